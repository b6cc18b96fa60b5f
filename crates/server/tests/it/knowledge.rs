//! Knowledge-base storage: idempotent re-ingest by content hash, replacement, delete with a
//! tombstone, generations that tell an index what changed, and the tenant wall.

use domain::actor::Actor;
use domain::id::{ChunkId, DocumentId, ProductId};
use domain::knowledge::{Document, DocumentChunk, DocumentKind};
use store::knowledge::PutDocument;
use store::{ListQuery, WriteCtx};
use testkit::{Backend, both_backends, spawn_app};

fn document(source: &str, hash: &str, product: Option<ProductId>) -> Document {
    let now = store::now();
    Document {
        id: DocumentId::generate(),
        source: source.into(),
        title: "Pricing".into(),
        kind: DocumentKind::Pricing,
        product_id: product,
        regions: vec![domain::region::RegionCode::parse("EMEA").unwrap()],
        content_hash: hash.into(),
        size_bytes: 42,
        chunk_count: 0,
        generation: 0,
        created_at: now,
        updated_at: now,
    }
}

fn chunks(document: DocumentId, texts: &[&str]) -> Vec<DocumentChunk> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| DocumentChunk {
            id: ChunkId::generate(),
            document_id: document,
            ordinal: i32::try_from(i).unwrap(),
            section: vec!["Pricing".into()],
            text: (*t).into(),
            start_offset: 0,
            end_offset: i32::try_from(t.len()).unwrap(),
        })
        .collect()
}

async fn documents_are_stored_once_replaced_and_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let w = WriteCtx::new(t.id, Actor::operator(), None);
    let store = &app.store;

    let first = document("pricing.md", "h1", None);
    let put = store
        .put_document(
            &w,
            &first,
            &chunks(first.id, &["Annual plans.", "Discounts."]),
        )
        .await
        .unwrap();
    let PutDocument::Created(created) = put else {
        unreachable!("{put:?}")
    };
    assert_eq!((created.generation, created.chunk_count), (1, 2));

    // The same content again: nothing changes.
    let again = document("pricing.md", "h1", None);
    let put = store
        .put_document(
            &w,
            &again,
            &chunks(again.id, &["Annual plans.", "Discounts."]),
        )
        .await
        .unwrap();
    assert!(
        matches!(&put, PutDocument::Unchanged(d) if d.id == created.id && d.generation == 1),
        "{put:?}"
    );

    // New content for the same source replaces the chunks and keeps the document.
    let changed = document("pricing.md", "h2", None);
    let put = store
        .put_document(&w, &changed, &chunks(changed.id, &["Monthly plans only."]))
        .await
        .unwrap();
    let PutDocument::Replaced(replaced) = put else {
        unreachable!("{put:?}")
    };
    assert_eq!(
        (replaced.id, replaced.generation, replaced.chunk_count),
        (created.id, 2, 1)
    );
    let texts: Vec<String> = store
        .document_chunks(t.id, created.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(texts, ["Monthly plans only."]);
    let (generation, changes) = store.knowledge_changes(t.id, 0).await.unwrap();
    assert_eq!(generation, 2);
    assert_eq!(changes.len(), 1);
    assert!(!changes[0].deleted);
    assert!(store.knowledge_changes(t.id, 2).await.unwrap().1.is_empty());

    // An unknown product is refused and changes nothing.
    let before = app.snapshot(&[t.id]).await;
    let stray = document("other.md", "h3", Some(ProductId::generate()));
    assert!(matches!(
        store
            .put_document(&w, &stray, &chunks(stray.id, &["x"]))
            .await,
        Err(store::Error::UnknownReference { .. })
    ));
    assert_eq!(before, app.snapshot(&[t.id]).await);

    // Another tenant sees none of it.
    assert!(
        store
            .list_documents(other.id, &ListQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        store.document(other.id, created.id).await,
        Err(store::Error::NotFound { .. })
    ));
    assert!(
        store
            .document_chunks(other.id, created.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.knowledge_changes(other.id, 0).await.unwrap(),
        (0, Vec::new())
    );
    let w_other = WriteCtx::new(other.id, Actor::operator(), None);
    assert!(matches!(
        store.delete_document(&w_other, created.id).await,
        Err(store::Error::NotFound { .. })
    ));

    // Delete leaves a tombstone the index catches up with; the source can be used again.
    store.delete_document(&w, created.id).await.unwrap();
    assert!(
        store
            .list_documents(t.id, &ListQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        store
            .document_chunks(t.id, created.id)
            .await
            .unwrap()
            .is_empty()
    );
    let (generation, changes) = store.knowledge_changes(t.id, 2).await.unwrap();
    assert_eq!(generation, 3);
    assert!(changes[0].deleted && changes[0].document_id == created.id);
    let reborn = document("pricing.md", "h1", None);
    let put = store
        .put_document(&w, &reborn, &chunks(reborn.id, &["Annual plans."]))
        .await
        .unwrap();
    assert!(
        matches!(&put, PutDocument::Created(d) if d.id != created.id && d.generation == 4),
        "{put:?}"
    );
}

async fn every_replicas_index_catches_up_and_stays_in_its_tenant(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.tenant("skyvera").await;
    let b = app.tenant("jigtree").await;
    let store = &app.store;
    let dir = tempfile::tempdir().unwrap();
    // Two replicas' libraries over one store; the first keeps its indexes on disk.
    let first = knowledge::library::Library::new(Some(dir.path().to_path_buf()));
    let second = knowledge::library::Library::new(None);
    let filters = knowledge::Filters::default();

    let wa = WriteCtx::new(a.id, Actor::operator(), None);
    let wb = WriteCtx::new(b.id, Actor::operator(), None);
    let doc_a = document("sso.md", "a1", None);
    store
        .put_document(
            &wa,
            &doc_a,
            &chunks(doc_a.id, &["Single sign-on uses SAML."]),
        )
        .await
        .unwrap();
    let doc_b = document("sso.md", "b1", None);
    store
        .put_document(
            &wb,
            &doc_b,
            &chunks(doc_b.id, &["Jigtree routers support OSPF failover."]),
        )
        .await
        .unwrap();

    let hits = first
        .search(store, a.id, "single sign-on", &filters, 5)
        .await
        .unwrap()
        .citations;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].document.id, doc_a.id);
    assert_eq!(hits[0].chunk.section, ["Pricing"]);
    // B's exact sentence, searched as A: nothing.
    assert!(
        first
            .search(
                store,
                a.id,
                "Jigtree routers support OSPF failover",
                &filters,
                5
            )
            .await
            .unwrap()
            .citations
            .is_empty()
    );
    assert_eq!(
        second
            .search(store, b.id, "OSPF failover", &filters, 5)
            .await
            .unwrap()
            .citations
            .len(),
        1
    );

    // A change made anywhere reaches both replicas' indexes.
    let changed = document("sso.md", "a2", None);
    store
        .put_document(
            &wa,
            &changed,
            &chunks(changed.id, &["OpenID Connect replaces SAML."]),
        )
        .await
        .unwrap();
    for library in [&first, &second] {
        assert!(
            library
                .search(store, a.id, "single sign-on", &filters, 5)
                .await
                .unwrap()
                .citations
                .is_empty()
        );
        assert_eq!(
            library
                .search(store, a.id, "OpenID Connect", &filters, 5)
                .await
                .unwrap()
                .citations
                .len(),
            1
        );
    }
    store.delete_document(&wa, doc_a.id).await.unwrap();
    for library in [&first, &second] {
        assert!(
            library
                .search(store, a.id, "OpenID Connect", &filters, 5)
                .await
                .unwrap()
                .citations
                .is_empty()
        );
    }
    // A restart resumes from the generation on disk.
    drop(first);
    let restarted = knowledge::library::Library::new(Some(dir.path().to_path_buf()));
    assert_eq!(restarted.catch_up(store, a.id).await.unwrap(), 3);
    assert!(
        restarted
            .search(store, a.id, "OpenID Connect", &filters, 5)
            .await
            .unwrap()
            .citations
            .is_empty()
    );
}

both_backends!(
    documents_are_stored_once_replaced_and_deleted,
    every_replicas_index_catches_up_and_stays_in_its_tenant,
);
