//! The embedder: when a document is stored, embed its chunks (in batches, off the request path)
//! and store the vectors, which every replica's index then loads. Runs only when an embedding
//! model is configured. Delivery is at least once; chunks that already have a vector are skipped,
//! so a second delivery does nothing.

use std::sync::Arc;

use async_trait::async_trait;
use domain::id::DocumentId;
use domain::job::JobKind;
use knowledge::library::{Library, LibraryError};
use store::Store;
use store::jobs::Job;

use crate::handler::{Handler, HandlerError};

/// Subscriber name of the embedder.
pub const EMBEDDER: &str = "embedder";

/// Embeds stored documents.
pub struct EmbedHandler {
    store: Store,
    library: Arc<Library>,
}

impl EmbedHandler {
    /// An embedder writing through `store` with the library's model.
    pub fn new(store: Store, library: Arc<Library>) -> Self {
        Self { store, library }
    }
}

#[async_trait]
impl Handler for EmbedHandler {
    fn name(&self) -> &str {
        EMBEDDER
    }

    fn event_kinds(&self) -> Vec<String> {
        vec!["document.created".into(), "document.updated".into()]
    }

    async fn handle(&self, job: &Job) -> Result<(), HandlerError> {
        if job.kind != JobKind::Event {
            return Err(HandlerError::Permanent(format!(
                "the embedder runs events, not {:?} jobs",
                job.kind
            )));
        }
        let event = self.store.event(job.tenant, job.subject_id).await?;
        let document = DocumentId::from_uuid(event.subject_id);
        match self
            .library
            .embed_document(&self.store, job.tenant, document)
            .await
        {
            Ok(stored) => {
                tracing::debug!(%document, stored, "document embedded");
                Ok(())
            }
            Err(LibraryError::Store(e)) => Err(e.into()),
            // The model endpoint or a lock: worth another attempt.
            Err(e) => Err(HandlerError::Transient(e.to_string())),
        }
    }
}
