//! Whether each deployment's upstream answers: a light probe (`GET /healthz`, which BentoML
//! services serve) of every upstream now and then, off the request path, kept in memory for
//! the Deployments page. Each replica probes for itself.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use axum::http::StatusCode;

use super::Gateway;
use crate::domain::DeploymentId;
use crate::server::{db, deployments::repo};

/// The path probed: BentoML's liveness endpoint.
pub const PATH: &str = "/healthz";
/// How long one probe may take.
const WAIT: Duration = Duration::from_secs(2);
/// How many upstreams are probed at once.
const AT_ONCE: usize = 8;

/// The result of a deployment's last probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// It answered, with a status below 500.
    pub answered: bool,
    /// Unix seconds.
    pub checked_at: i64,
    /// The status it answered with, or why it did not answer.
    pub detail: String,
}

#[derive(Default)]
pub struct HealthBoard(RwLock<HashMap<DeploymentId, Health>>);

impl HealthBoard {
    pub fn get(&self, id: DeploymentId) -> Option<Health> {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&id).cloned()
    }

    fn replace(&self, results: HashMap<DeploymentId, Health>) {
        *self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = results;
    }
}

/// Probes every upstream every `every`, for as long as the server runs.
pub async fn probe_continuously(pool: db::Pool, gateway: Arc<Gateway>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match repo::upstreams(&pool).await {
            Ok(upstreams) => gateway.health.replace(probe_all(&gateway, upstreams).await),
            Err(err) => tracing::warn!(error = %err, "could not list upstreams to probe"),
        }
    }
}

async fn probe_all(gateway: &Arc<Gateway>, upstreams: Vec<(DeploymentId, String)>) -> HashMap<DeploymentId, Health> {
    let slots = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut probes = tokio::task::JoinSet::new();
    for (id, upstream) in upstreams {
        let (gateway, slots) = (gateway.clone(), slots.clone());
        probes.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let (answered, detail) = match gateway.upstreams.probe(&upstream, PATH, WAIT).await {
                Ok(status) if status < StatusCode::INTERNAL_SERVER_ERROR => (true, format!("HTTP {}", status.as_u16())),
                Ok(status) => (false, format!("HTTP {}", status.as_u16())),
                Err(reason) => (false, reason),
            };
            (id, Health { answered, checked_at: db::now(), detail })
        });
    }
    let mut results = HashMap::new();
    while let Some(Ok((id, health))) = probes.join_next().await {
        results.insert(id, health);
    }
    results
}
