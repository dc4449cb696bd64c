//! Start-up: builds the application from a configuration and serves it
//! until a shutdown signal, the same way in production and in tests.

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::bot::{BotConfig, Mode};
use crate::config::Config;
use crate::http::{self, AppState};
use crate::knowledge::{KnowledgeHandle, Semantic};
use crate::store;

/// Loads (or builds) the knowledge, its index and its embeddings, reporting
/// broken articles. For the command line: everything is ready on return.
pub fn open_knowledge(config: &Config) -> anyhow::Result<KnowledgeHandle> {
    prepare_data(config)?;
    let semantic = Semantic::load(&config.model_dir, &config.embedding_cache);
    let handle =
        KnowledgeHandle::open(&config.kb, &config.index_dir(), semantic).with_context(|| {
            format!(
                "cannot load the knowledge base from {}",
                config.kb.display()
            )
        })?;
    report_problems(&handle);
    Ok(handle)
}

fn prepare_data(config: &Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data)
        .with_context(|| format!("cannot create the data folder {}", config.data.display()))
}

fn report_problems(handle: &KnowledgeHandle) {
    for p in &handle.current().kb.problems {
        eprintln!("warning: skipped {p}");
    }
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let cfg = config.clone();
    let knowledge = tokio::task::spawn_blocking(move || -> anyhow::Result<Arc<KnowledgeHandle>> {
        prepare_data(&cfg)?;
        let semantic = Semantic::load(&cfg.model_dir, &cfg.embedding_cache);
        let handle = KnowledgeHandle::open_deferred(&cfg.kb, &cfg.index_dir(), semantic)
            .with_context(|| format!("cannot load the knowledge base from {}", cfg.kb.display()))?;
        report_problems(&handle);
        Ok(handle)
    })
    .await??;
    let db = store::open(&config.database_path())
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                config.database_path().display()
            )
        })?;
    // Kept alive for as long as the server runs.
    let _watcher = if config.watch {
        Some(
            knowledge
                .watch()
                .context("cannot watch the knowledge-base folder")?,
        )
    } else {
        None
    };
    let state = AppState {
        knowledge: knowledge.clone(),
        db,
        bot: Arc::new(BotConfig {
            threshold: config.threshold,
            mode: Mode::Hybrid,
        }),
    };
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    {
        let k = knowledge.current();
        tracing::info!(
            articles = k.kb.articles.len(),
            locales = ?k.kb.locales().iter().map(|l| l.code()).collect::<Vec<_>>(),
            "knowledge base ready"
        );
    }
    // Tests and scripts wait for this exact line on standard output.
    println!("listening on http://{addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
