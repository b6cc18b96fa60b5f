//! A tenant's full-text index (tantivy, BM25). One index per tenant, in its own directory, so no
//! query can reach another tenant's chunks. Queries are built from the analyzed words of the text
//! (never parsed as query syntax), so user text cannot change the query's shape.

use std::path::Path;
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

/// The analyzer of chunk text: words, lower-cased, English stop words removed, Porter-stemmed.
const ANALYZER: &str = "kb_en";
/// Memory the index writer may use before it flushes a segment.
const WRITER_HEAP: usize = 64 * 1024 * 1024;
/// Most analyzed words of a query that count.
const MAX_QUERY_TERMS: usize = 256;

/// Why an index operation failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
}

/// A chunk to index.
#[derive(Debug, Clone)]
pub struct IndexedChunk<'a> {
    pub chunk_id: &'a str,
    pub document_id: &'a str,
    /// Title, section path and body, as one text.
    pub text: &'a str,
    pub product: Option<&'a str>,
    pub regions: &'a [String],
    pub kind: &'a str,
}

/// What a search is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub product: Option<String>,
    pub region: Option<String>,
    pub kind: Option<String>,
}

/// The region term of documents that name no region: they apply in every region.
const ALL_REGIONS: &str = "*";

/// One search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub chunk_id: String,
    pub document_id: String,
    pub score: f32,
}

struct Fields {
    chunk_id: Field,
    document_id: Field,
    text: Field,
    product: Field,
    region: Field,
    kind: Field,
}

/// One tenant's index.
pub struct TenantIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: TextAnalyzer,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        chunk_id: builder.add_text_field("chunk_id", STRING | STORED),
        document_id: builder.add_text_field("document_id", STRING | STORED),
        text: builder.add_text_field("text", text_options),
        product: builder.add_text_field("product", STRING),
        region: builder.add_text_field("region", STRING),
        kind: builder.add_text_field("kind", STRING),
    };
    (builder.build(), fields)
}

fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(Language::English) {
        Some(stop) => builder
            .filter(stop)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

impl TenantIndex {
    /// Opens the index in `dir`, creating it when the directory is empty.
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| IndexError::Directory(format!("{}: {e}", dir.display())))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| IndexError::Directory(format!("{}: {e}", dir.display())))?;
        let index = Index::open_or_create(directory, schema)?;
        Self::with_index(index, fields)
    }

    /// An index in memory (tests and benchmarks).
    pub fn in_memory() -> Result<Self, IndexError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, IndexError> {
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer(WRITER_HEAP)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzer: analyzer(),
        })
    }

    /// Adds chunks and makes them searchable.
    pub fn add(&self, chunks: &[IndexedChunk<'_>]) -> Result<(), IndexError> {
        self.apply(&[], chunks)
    }

    /// Removes every chunk of a document.
    pub fn delete_document(&self, document_id: &str) -> Result<(), IndexError> {
        self.apply(&[document_id], &[])
    }

    /// Removes every chunk of the `deleted` documents, then adds `chunks`, in one commit: what
    /// a search sees moves from before to after at once.
    pub fn apply(&self, deleted: &[&str], chunks: &[IndexedChunk<'_>]) -> Result<(), IndexError> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| IndexError::Directory("index writer poisoned".into()))?;
        for document_id in deleted {
            writer.delete_term(Term::from_field_text(self.fields.document_id, document_id));
        }
        for chunk in chunks {
            let mut document = doc!(
                self.fields.chunk_id => chunk.chunk_id,
                self.fields.document_id => chunk.document_id,
                self.fields.text => chunk.text,
                self.fields.kind => chunk.kind,
            );
            if let Some(product) = chunk.product {
                document.add_text(self.fields.product, product);
            }
            for region in chunk.regions {
                document.add_text(self.fields.region, region);
            }
            if chunk.regions.is_empty() {
                document.add_text(self.fields.region, ALL_REGIONS);
            }
            writer.add_document(document)?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Chunks in the index.
    pub fn num_chunks(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The analyzed words of a text, as the index sees them.
    fn terms(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while stream.advance() {
            if terms.len() >= MAX_QUERY_TERMS {
                break;
            }
            terms.push(stream.token().text.clone());
        }
        terms
    }

    /// The best `limit` chunks for a query, by BM25, inside the filters.
    pub fn search(
        &self,
        query: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        let terms = self.terms(query);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let words: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let term = Term::from_field_text(self.fields.text, t);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                )
            })
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(words)))];
        let term_query = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        for (field, value) in [
            (self.fields.product, &filters.product),
            (self.fields.kind, &filters.kind),
        ] {
            if let Some(value) = value {
                clauses.push((Occur::Must, term_query(field, value)));
            }
        }
        if let Some(region) = &filters.region {
            // The region's own documents and those that apply everywhere.
            let either = BooleanQuery::new(vec![
                (Occur::Should, term_query(self.fields.region, region)),
                (Occur::Should, term_query(self.fields.region, ALL_REGIONS)),
            ]);
            clauses.push((Occur::Must, Box::new(either)));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let stored: TantivyDocument = searcher.doc(address)?;
            let text_of = |field: Field| {
                stored
                    .get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            hits.push(Hit {
                chunk_id: text_of(self.fields.chunk_id),
                document_id: text_of(self.fields.document_id),
                score,
            });
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk<'a>(
        id: &'a str,
        doc: &'a str,
        text: &'a str,
        product: Option<&'a str>,
        regions: &'a [String],
    ) -> IndexedChunk<'a> {
        IndexedChunk {
            chunk_id: id,
            document_id: doc,
            text,
            product,
            regions,
            kind: "product_doc",
        }
    }

    #[test]
    fn bm25_ranks_matching_chunks_and_filters_narrow() {
        let index = TenantIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let emea = vec!["EMEA".to_owned()];
        let apac = vec!["APAC".to_owned()];
        index
            .add(&[
                chunk(
                    "c1",
                    "d1",
                    "Single sign-on with SAML and SCIM provisioning.",
                    Some("core"),
                    &emea,
                ),
                chunk(
                    "c2",
                    "d1",
                    "Pricing: discounts for annual commitments.",
                    Some("core"),
                    &emea,
                ),
                chunk(
                    "c3",
                    "d2",
                    "SAML single sign-on for the analytics add-on.",
                    Some("analytics"),
                    &apac,
                ),
            ])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(index.num_chunks(), 3);
        let hits = index
            .search("How does single sign-on work?", &Filters::default(), 10)
            .unwrap_or_default();
        let ids: Vec<&str> = hits.iter().map(|h| h.chunk_id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&"c1") && ids.contains(&"c3"));
        let only_apac = Filters {
            region: Some("APAC".into()),
            ..Filters::default()
        };
        let hits = index
            .search("single sign-on", &only_apac, 10)
            .unwrap_or_default();
        assert_eq!(
            hits.iter().map(|h| h.chunk_id.as_str()).collect::<Vec<_>>(),
            ["c3"]
        );
        // Query syntax in user text is just words.
        assert!(
            index
                .search("title:* OR (", &Filters::default(), 10)
                .is_ok()
        );
        index
            .delete_document("d1")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(index.num_chunks(), 1);
    }

    #[test]
    fn stemming_and_stop_words_apply_to_queries_and_text() {
        let index = TenantIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
        index
            .add(&[chunk(
                "c1",
                "d1",
                "The integrations are configured by administrators.",
                None,
                &[],
            )])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            index
                .search("configuring integration", &Filters::default(), 5)
                .unwrap_or_default()
                .len(),
            1
        );
        assert!(
            index
                .search("the are by", &Filters::default(), 5)
                .unwrap_or_default()
                .is_empty()
        );
    }
}
