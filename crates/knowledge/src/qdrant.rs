//! Vectors in Qdrant, for tenants too large to hold in memory: a collection per tenant (the
//! tenant wall is the collection, not a filter), one point per chunk with its document and scope
//! as payload, searched with the same filters as the full-text index. Speaks Qdrant's REST API
//! (`/collections/{name}`, `/points`, `/points/delete`, `/points/search`) with the `api-key`
//! header.

use std::time::Duration;

use domain::id::TenantId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::index::{Filters, Hit};
use crate::retriever::DocumentScope;

/// The region payload of documents that name no region: they apply in every region.
const ALL_REGIONS: &str = "*";

/// Why a Qdrant call failed.
#[derive(Debug, thiserror::Error)]
pub enum QdrantError {
    #[error("qdrant at {url}: {detail}")]
    Transport { url: String, detail: String },
    #[error("qdrant answered {status} to {what}: {body}")]
    Status {
        what: String,
        status: u16,
        body: String,
    },
    #[error("qdrant answered {what} with an unexpected body: {detail}")]
    Protocol { what: String, detail: String },
}

/// Where Qdrant is.
#[derive(Debug, Clone)]
pub struct QdrantConfig {
    /// For example `http://qdrant:6333`.
    pub url: String,
    pub api_key: Option<String>,
    /// Collections are named `<prefix><tenant id>`.
    pub collection_prefix: String,
}

/// A Qdrant client.
#[derive(Clone)]
pub struct Qdrant {
    config: QdrantConfig,
    http: reqwest::Client,
}

impl std::fmt::Debug for Qdrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Qdrant")
            .field("url", &self.config.url)
            .field("collection_prefix", &self.config.collection_prefix)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Scored {
    id: Value,
    score: f32,
    #[serde(default)]
    payload: Option<Value>,
}

impl Qdrant {
    /// A client of the Qdrant at `config.url`.
    pub fn new(mut config: QdrantConfig) -> Result<Self, QdrantError> {
        config.url = config.url.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| QdrantError::Transport {
                url: config.url.clone(),
                detail: e.to_string(),
            })?;
        Ok(Self { config, http })
    }

    fn collection(&self, tenant: TenantId) -> String {
        format!("{}{}", self.config.collection_prefix, tenant)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        allow_not_found: bool,
    ) -> Result<Option<Value>, QdrantError> {
        let url = format!("{}{path}", self.config.url);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(key) = &self.config.api_key {
            request = request.header("api-key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| QdrantError::Transport {
            url: self.config.url.clone(),
            detail: e.to_string(),
        })?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| QdrantError::Transport {
            url: self.config.url.clone(),
            detail: e.to_string(),
        })?;
        let what = format!("{method} {path}");
        if status == 404 && allow_not_found {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(QdrantError::Status {
                what,
                status,
                body: text.chars().take(500).collect(),
            });
        }
        let value: Value = serde_json::from_str(&text).map_err(|e| QdrantError::Protocol {
            what: what.clone(),
            detail: e.to_string(),
        })?;
        value
            .get("result")
            .cloned()
            .map(Some)
            .ok_or_else(|| QdrantError::Protocol {
                what,
                detail: "no `result`".into(),
            })
    }

    /// Creates the tenant's collection (cosine distance, keyword indexes on the filtered
    /// payload) unless it exists.
    pub async fn ensure_collection(
        &self,
        tenant: TenantId,
        dimensions: usize,
    ) -> Result<(), QdrantError> {
        let name = self.collection(tenant);
        let path = format!("/collections/{name}");
        if self
            .call(reqwest::Method::GET, &path, None, true)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let body = json!({"vectors": {"size": dimensions, "distance": "Cosine"}});
        self.call(reqwest::Method::PUT, &path, Some(body), false)
            .await?;
        for field in ["document_id", "product", "regions", "kind"] {
            let body = json!({"field_name": field, "field_schema": "keyword"});
            self.call(
                reqwest::Method::PUT,
                &format!("{path}/index?wait=true"),
                Some(body),
                false,
            )
            .await?;
        }
        Ok(())
    }

    /// Replaces a document's points with these vectors: (chunk id, normalised vector).
    pub async fn put_document(
        &self,
        tenant: TenantId,
        document_id: &str,
        scope: &DocumentScope,
        vectors: &[(String, Vec<f32>)],
    ) -> Result<(), QdrantError> {
        self.delete_document(tenant, document_id).await?;
        let Some(first) = vectors.first() else {
            return Ok(());
        };
        self.ensure_collection(tenant, first.1.len()).await?;
        let regions: Vec<&str> = if scope.regions.is_empty() {
            vec![ALL_REGIONS]
        } else {
            scope.regions.iter().map(String::as_str).collect()
        };
        for batch in vectors.chunks(256) {
            let points: Vec<Value> = batch
                .iter()
                .map(|(chunk_id, vector)| {
                    json!({"id": chunk_id, "vector": vector, "payload": {
                        "document_id": document_id, "product": scope.product,
                        "regions": regions, "kind": scope.kind}})
                })
                .collect();
            self.call(
                reqwest::Method::PUT,
                &format!("/collections/{}/points?wait=true", self.collection(tenant)),
                Some(json!({"points": points})),
                false,
            )
            .await?;
        }
        Ok(())
    }

    /// Removes a document's points (nothing when the collection does not exist yet).
    pub async fn delete_document(
        &self,
        tenant: TenantId,
        document_id: &str,
    ) -> Result<(), QdrantError> {
        let body = json!({"filter": {"must": [
            {"key": "document_id", "match": {"value": document_id}}]}});
        self.call(
            reqwest::Method::POST,
            &format!(
                "/collections/{}/points/delete?wait=true",
                self.collection(tenant)
            ),
            Some(body),
            true,
        )
        .await?;
        Ok(())
    }

    /// The `limit` chunks nearest the query vector inside the filters.
    pub async fn search(
        &self,
        tenant: TenantId,
        query: &[f32],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, QdrantError> {
        let mut must = Vec::new();
        if let Some(product) = &filters.product {
            must.push(json!({"key": "product", "match": {"value": product}}));
        }
        if let Some(kind) = &filters.kind {
            must.push(json!({"key": "kind", "match": {"value": kind}}));
        }
        if let Some(region) = &filters.region {
            must.push(json!({"key": "regions", "match": {"any": [region, ALL_REGIONS]}}));
        }
        let mut body = json!({"vector": query, "limit": limit, "with_payload": ["document_id"],
            "score_threshold": 0.0});
        if !must.is_empty() {
            body["filter"] = json!({"must": must});
        }
        let path = format!("/collections/{}/points/search", self.collection(tenant));
        let Some(result) = self
            .call(reqwest::Method::POST, &path, Some(body), true)
            .await?
        else {
            return Ok(Vec::new());
        };
        let scored: Vec<Scored> =
            serde_json::from_value(result).map_err(|e| QdrantError::Protocol {
                what: path.clone(),
                detail: e.to_string(),
            })?;
        Ok(scored
            .into_iter()
            .filter(|s| s.score > 0.0)
            .filter_map(|s| {
                let chunk_id = s.id.as_str()?.to_owned();
                let document_id = s.payload.as_ref()?.get("document_id")?.as_str()?.to_owned();
                Some(Hit {
                    chunk_id,
                    document_id,
                    score: s.score,
                })
            })
            .collect())
    }
}
