//! One object being written: its encoder, and the multipart upload its bytes go up in once they
//! outgrow a part. Nothing is visible under its name until it is finished.

use std::sync::Arc;

use kconnect_api::{Result, SchemaAndValue, SchemaRef};
use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStore};

use crate::format::{Encoder, FormatSpec};
use crate::store::{self, Written};

/// An object that records are being appended to.
pub(crate) struct OpenObject {
    path: Path,
    encoder: Box<dyn Encoder>,
    upload: Option<Box<dyn MultipartUpload>>,
    /// An earlier run completed this object: its bytes are dropped instead of uploaded.
    already_there: bool,
}

impl OpenObject {
    /// A new object at `name` for values of `schema`.
    pub fn new(name: &str, format: &FormatSpec, schema: Option<&SchemaRef>) -> Result<Self> {
        Ok(Self {
            path: Path::from(name),
            encoder: format.encoder(schema)?,
            upload: None,
            already_there: false,
        })
    }

    /// Converts what the object holds of a record of `topic`, to append with
    /// [`OpenObject::commit`]; one the format cannot hold is a data error.
    pub fn stage(&mut self, topic: &str, view: &SchemaAndValue) -> Result<()> {
        self.encoder.stage(topic, view)
    }

    /// Appends the staged record.
    pub fn commit(&mut self) -> Result<()> {
        self.encoder.commit()
    }

    /// The encoded bytes held in memory.
    pub fn buffered(&self) -> usize {
        self.encoder.buffered()
    }

    /// Uploads the bytes held as the next part, starting the multipart upload first if this is
    /// the first part (unless an earlier run already completed the object).
    pub async fn ship_part(&mut self, store: &dyn ObjectStore) -> Result<()> {
        let part = self.encoder.take()?;
        if self.upload.is_none() && !self.already_there {
            // Multipart uploads cannot be conditional: look first (one task owns a partition).
            self.already_there = store::exists(store, &self.path).await?;
            if !self.already_there {
                self.upload = Some(store::start_multipart(store, &self.path).await?);
            }
        }
        if let Some(upload) = self.upload.as_mut() {
            upload
                .put_part(part)
                .await
                .map_err(|err| store::failed("cannot upload a part of", &self.path, err))?;
        }
        Ok(())
    }

    /// Finishes the object: its last bytes go up and it appears under its name.
    pub async fn finish(mut self, store: Arc<dyn ObjectStore>) -> Result<Written> {
        let store = store.as_ref();
        if self.already_there {
            return Ok(Written::AlreadyThere);
        }
        let rest = self.encoder.finish()?;
        let Some(mut upload) = self.upload.take() else {
            return store::put_new(store, &self.path, rest).await;
        };
        let path = self.path;
        let completed = async {
            if rest.content_length() > 0 {
                upload.put_part(rest).await?;
            }
            upload.complete().await
        }
        .await;
        match completed {
            Ok(_) => Ok(Written::Created),
            Err(err) => {
                let _ = upload.abort().await;
                Err(store::failed("cannot complete the upload of", &path, err))
            }
        }
    }

    /// Gives the object up: a started multipart upload is aborted, nothing appears.
    pub async fn abandon(mut self) {
        if let Some(mut upload) = self.upload.take()
            && let Err(err) = upload.abort().await
        {
            tracing::debug!(object = %self.path, error = %err, "could not abort a multipart upload; the store expires it");
        }
    }
}
