//! An upload's hold on its uploader's quota, from before its first byte to
//! its record (or its refusal): the check and the reservation are one
//! step of the store, so two uploads at once cannot both take the last
//! bytes of a quota.

use std::sync::Arc;

use crate::files::{UploadError, UploadLimit};
use crate::storage::Store;

/// Held while an upload streams. Dropped without `recorded` (refused,
/// broken off, the request gone), it gives its bytes back.
pub struct QuotaHold {
    store: Arc<dyn Store>,
    reservation: Option<i64>,
}

impl QuotaHold {
    /// Reserves what the upload declared, or (size unknown) what is left
    /// of the quota up to the per-file limit; the limit to stream within
    /// comes back with the hold. Refused (413) when it does not fit.
    pub async fn take(
        store: &Arc<dyn Store>,
        user: crate::domain::UserId,
        declared: Option<u64>,
        per_file: u64,
        quota: u64,
    ) -> crate::error::Result<(Self, UploadLimit)> {
        let limit = UploadLimit::per_file(per_file);
        if declared.is_some_and(|n| n > per_file) {
            return Err(UploadError::TooLarge(limit).into());
        }
        match store
            .reserve_upload_quota(user, declared, per_file, quota)
            .await?
        {
            Ok(reserved) => {
                let hold = Self {
                    store: Arc::clone(store),
                    reservation: Some(reserved.id),
                };
                Ok((hold, limit.within_quota(reserved.bytes)))
            }
            Err(left) => Err(UploadError::TooLarge(limit.within_quota(left)).into()),
        }
    }

    /// The reservation, for the record that gives it back.
    pub fn recorded(mut self) -> Option<i64> {
        self.reservation.take()
    }
}

impl Drop for QuotaHold {
    fn drop(&mut self) {
        let Some(id) = self.reservation.take() else {
            return;
        };
        let store = Arc::clone(&self.store);
        // Dropped on the runtime (a request's task); a hold left behind
        // would only shrink the quota until the server restarts.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.release_upload_quota(id).await {
                    tracing::warn!(error = %e, "cannot give back an upload's quota reservation");
                }
            });
        }
    }
}
