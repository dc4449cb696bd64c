//! Reading a ticket or reply submitted as multipart/form-data: text fields
//! collected (bounded), files streamed to the attachment store as they
//! arrive. Shared by the JSON API and the portal's forms.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use bytes::Bytes;

use crate::attachments::{AttachmentError, ChunkSource, Policy, Store, Stored};

/// Longest text field accepted (a description with pasted logs fits).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 40;

/// What a form held: its text fields and the files it stored.
#[derive(Default)]
pub struct FormData {
    pub fields: HashMap<String, String>,
    pub files: Vec<Stored>,
}

impl FormData {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error(transparent)]
    File(#[from] AttachmentError),
    #[error("the field `{0}` is too long (at most 64 KB)")]
    FieldTooLong(String),
    #[error("too many fields in the form")]
    TooManyFields,
    #[error("the upload could not be read: {0}")]
    Malformed(String),
}

struct FieldSource<'a, 'b> {
    field: &'b mut Field<'a>,
}

impl ChunkSource for FieldSource<'_, '_> {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        self.field.chunk().await.map_err(|e| e.body_text())
    }
}

/// Reads the whole form. File parts are those with a file name; an empty
/// file input (no name, no bytes) is ignored. On a refused file the rest
/// of the request is drained so the client gets the answer, not a reset.
pub async fn read(
    mut form: Multipart,
    store: &Store,
    policy: &Policy,
) -> Result<FormData, FormError> {
    let mut data = FormData::default();
    let mut file_parts = 0usize;
    let mut failure: Option<FormError> = None;
    loop {
        let next = form
            .next_field()
            .await
            .map_err(|e| FormError::Malformed(e.body_text()));
        let mut field = match next {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(failure.unwrap_or(e)),
        };
        if failure.is_some() {
            // Drain what is left of a refused request.
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) if !file_name.is_empty() => {
                file_parts += 1;
                if let Err(e) = policy.check_count(file_parts) {
                    failure = Some(e.into());
                    while let Ok(Some(_)) = field.chunk().await {}
                    continue;
                }
                let mut source = FieldSource { field: &mut field };
                match store.save(&file_name, &mut source, policy).await {
                    Ok(stored) => data.files.push(stored),
                    Err(e) => {
                        while let Ok(Some(_)) = field.chunk().await {}
                        failure = Some(e.into());
                    }
                }
            }
            Some(_) => while let Ok(Some(_)) = field.chunk().await {},
            None => {
                if data.fields.len() >= MAX_FIELDS {
                    failure = Some(FormError::TooManyFields);
                    continue;
                }
                let mut value = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| FormError::Malformed(e.body_text()))?
                {
                    if value.len() + chunk.len() > MAX_FIELD_BYTES {
                        failure = Some(FormError::FieldTooLong(name.clone()));
                        break;
                    }
                    value.extend_from_slice(&chunk);
                }
                if failure.is_none() {
                    let text = String::from_utf8(value)
                        .map_err(|_| FormError::Malformed(format!("`{name}` is not UTF-8 text")))?;
                    data.fields.insert(name, text);
                }
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(data),
    }
}
