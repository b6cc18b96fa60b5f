//! Embeddings: one interface ([`Embedder`]) for turning texts into vectors, and a client of the
//! OpenAI-compatible `POST {base_url}/embeddings` (OpenAI, Azure OpenAI, vLLM, Ollama, LiteLLM,
//! text-embeddings-inference). Texts go in batches; vectors come back in input order (the wire
//! format numbers them, and servers may answer out of order).

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use crate::error::LlmError;
use crate::providers::http::{Timeouts, client, send, transport_error};

/// Most texts sent in one request.
pub const BATCH: usize = 64;

/// Turns texts into vectors of one fixed size.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// A name for traces and errors, for example `openai/text-embedding-3-small`.
    fn name(&self) -> String;

    /// Vectors of the texts, in order, each L2-normalised.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError>;
}

/// A client of an OpenAI-compatible embeddings endpoint.
pub struct OpenAiEmbeddings {
    provider: String,
    base_url: String,
    model: String,
    api_key: Option<String>,
    timeouts: Timeouts,
    http: reqwest::Client,
}

impl std::fmt::Debug for OpenAiEmbeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEmbeddings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct WireList {
    data: Vec<WireEmbedding>,
}

#[derive(Deserialize)]
struct WireEmbedding {
    index: usize,
    embedding: Vec<f32>,
}

impl OpenAiEmbeddings {
    /// A client of `model` at `base_url` (for example `https://api.openai.com/v1`).
    pub fn new(
        provider: &str,
        base_url: &str,
        model: &str,
        api_key: Option<String>,
        timeouts: Timeouts,
    ) -> Result<Self, LlmError> {
        Ok(Self {
            provider: provider.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key,
            timeouts,
            http: client(timeouts)?,
        })
    }

    fn protocol(&self, detail: impl Into<String>) -> LlmError {
        LlmError::Protocol {
            provider: self.provider.clone(),
            detail: detail.into(),
        }
    }

    async fn batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        let mut request = self
            .http
            .post(format!("{}/embeddings", self.base_url))
            .timeout(self.timeouts.total)
            .json(&json!({"model": self.model, "input": texts, "encoding_format": "float"}));
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = send(&self.provider, self.timeouts.first_token, request).await?;
        let text = response
            .text()
            .await
            .map_err(|e| transport_error(&self.provider, &e))?;
        let wire: WireList = serde_json::from_str(&text)
            .map_err(|e| self.protocol(format!("not an embeddings list: {e}")))?;
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        for item in wire.data {
            let slot = vectors
                .get_mut(item.index)
                .ok_or_else(|| self.protocol(format!("index {} out of range", item.index)))?;
            *slot = Some(item.embedding);
        }
        let vectors: Vec<Vec<f32>> = vectors
            .into_iter()
            .enumerate()
            .map(|(i, v)| v.ok_or_else(|| self.protocol(format!("no embedding for input {i}"))))
            .collect::<Result<_, _>>()?;
        let dimensions = vectors.first().map_or(0, Vec::len);
        if dimensions == 0 || vectors.iter().any(|v| v.len() != dimensions) {
            return Err(self.protocol("embeddings of different or zero sizes"));
        }
        Ok(vectors.into_iter().map(normalized).collect())
    }
}

#[async_trait]
impl Embedder for OpenAiEmbeddings {
    fn name(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(BATCH) {
            out.extend(self.batch(batch).await?);
        }
        Ok(out)
    }
}

/// The vector scaled to length one (a zero vector stays zero).
pub fn normalized(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut vector {
            *x /= norm;
        }
    }
    vector
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_normalised() {
        let v = normalized(vec![3.0, 4.0]);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert_eq!(normalized(vec![0.0, 0.0]), vec![0.0, 0.0]);
    }
}
