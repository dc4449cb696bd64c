//! Start-up: builds the application from a configuration and serves it
//! until a shutdown signal, the same way in production and in tests.

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::help::bot::{BotConfig, Mode};
use crate::help::indexing::{KnowledgeHandle, Semantic};
use crate::http::{self, AppState};
use crate::store;

/// Loads (or builds) the knowledge, its index and its embeddings, reporting
/// broken articles. For the command line: everything is ready on return.
pub fn open_knowledge(config: &Config) -> anyhow::Result<KnowledgeHandle> {
    prepare_data(config)?;
    let semantic = Semantic::load(
        &config.model_dir,
        &config.embedding_cache,
        config.embedding_engine,
    );
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

/// The state every request handler shares, built from the configuration.
pub async fn build_state(
    config: &Config,
    knowledge: Arc<KnowledgeHandle>,
    db: store::Db,
    bot: BotConfig,
) -> anyhow::Result<AppState> {
    let files = crate::tickets::attachments::Store::new(config.data.join("attachments"));
    files
        .ensure_dirs()
        .await
        .context("cannot create the attachments folder")?;
    // Nothing can be uploading yet: leftovers are from a crash.
    let _ = files.sweep_tmp().await;
    let desk_config = config.desk.clone();
    let widget_secret = match &desk_config.widget_secret {
        Some(s) => s.clone(),
        None => load_or_create_secret(&config.data.join("widget-secret"))?,
    };
    let desk = crate::tickets::workflow::Desk {
        db: db.clone(),
        public_url: desk_config.public_url.clone(),
        targets: desk_config.targets.clone(),
        auto_close: desk_config.auto_close,
        mail_wakeup: Arc::new(tokio::sync::Notify::new()),
    };
    Ok(AppState {
        knowledge,
        db: db.clone(),
        bot: Arc::new(bot),
        desk: Arc::new(desk),
        desk_config: Arc::new(desk_config),
        files: Arc::new(files),
        limits: Arc::new(crate::http::security::RateLimiter::new(
            config.limits.clone(),
        )),
        widget_secret: Arc::new(widget_secret),
        bus: crate::live::bus::Bus::default(),
        consoles: crate::live::consoles::Consoles::default(),
        messages: crate::live::message_writer::MessageWriter::start(db.clone()),
        webhooks: config.webhooks.policy,
        metrics: Arc::new(config.metrics.clone()),
    })
}

/// The widget secret kept in the data folder, created on first start.
fn load_or_create_secret(path: &std::path::Path) -> anyhow::Result<String> {
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_string();
        if s.len() >= 16 {
            return Ok(s);
        }
    }
    let secret = format!("{}{}", crate::ids::random_id(), crate::ids::random_id());
    std::fs::write(path, &secret)
        .with_context(|| format!("cannot write the widget secret to {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(secret)
}

/// Starts the email sender and the periodic maintenance (closing resolved
/// tickets when due, deleting expired sessions).
pub fn start_background(state: &AppState, config: &Config) -> anyhow::Result<String> {
    let transport =
        crate::mail::Transport::new(config.desk.smtp.as_ref(), config.data.join("outbox"))
            .map_err(|e| anyhow::anyhow!("email settings: {e}"))?;
    let described = transport.describe();
    let host = config
        .desk
        .public_url
        .split("://")
        .nth(1)
        .unwrap_or("localhost")
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost")
        .to_string();
    let mailer = crate::mail::worker::Mailer {
        db: state.db.clone(),
        transport,
        from: config.desk.mail_from.clone(),
        product: "Frontdesk".to_string(),
        retry_base_secs: config.desk.mail_retry_secs as i64,
        id_domain: if host.is_empty() {
            "localhost".into()
        } else {
            host
        },
    };
    tokio::spawn(mailer.run(state.desk.mail_wakeup.clone()));
    let deliverer = crate::webhooks::worker::Deliverer::new(state.db.clone(), config.webhooks)
        .map_err(|e| anyhow::anyhow!("the webhook client: {e}"))?;
    tokio::spawn(deliverer.run(Arc::new(tokio::sync::Notify::new())));
    let desk = state.desk.clone();
    let bus = state.bus.clone();
    let consoles = state.consoles.clone();
    let sessions = crate::store::sessions::DbSessionStore::new(state.db.clone());
    let every = std::time::Duration::from_secs(config.desk.maintenance_secs);
    // Live-chat timers (offers, invitations, idle chats) count in seconds to
    // minutes: they are looked at every few seconds, not every maintenance round.
    let live_every =
        std::time::Duration::from_secs(config.desk.maintenance_secs.min(LIVE_TICK_SECS));
    let live_desk = desk.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = live_maintenance(&live_desk, &bus, &consoles).await {
                tracing::error!("live chats: {e}");
            }
            tokio::time::sleep(live_every).await;
        }
    });
    tokio::spawn(async move {
        loop {
            match desk.close_due(store::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(closed = n, "closed resolved tickets that were due"),
                Err(e) => tracing::error!("automatic closing: {e}"),
            }
            if let Err(e) = sessions.delete_expired().await {
                tracing::error!("session clean-up: {e}");
            }
            tokio::time::sleep(every).await;
        }
    });
    Ok(described)
}

/// Longest pause between two looks at the live-chat timers.
const LIVE_TICK_SECS: u64 = 5;

/// What is due in live chat: unanswered offers (of chats and new tickets)
/// move on, waiting tickets are offered, idle chats end,
/// long chats get their ticket; with the admins' current settings.
async fn live_maintenance(
    desk: &crate::tickets::workflow::Desk,
    bus: &crate::live::bus::Bus,
    consoles: &crate::live::consoles::Consoles,
) -> Result<(), crate::tickets::workflow::WorkflowError> {
    let s = store::live_settings::get(&desk.db).await?;
    let now = store::now();
    consoles
        .go_offline(&desk.db, now, s.offline_after_secs)
        .await?;
    crate::live::queue::expire_offers(&desk.db, now, s.accept_timeout_secs).await?;
    crate::tickets::dispatch::expire(&desk.db, now, s.accept_timeout_secs).await?;
    crate::tickets::dispatch::offer_waiting(&desk.db, now).await?;
    crate::live::invitations::expire_due(desk, bus, now).await?;
    if s.reoffer_overdue {
        desk.reoffer_overdue(now).await?;
    }
    crate::live::chats::tick(
        desk,
        bus,
        crate::live::chats::LiveSettings {
            idle_secs: s.idle_timeout_secs,
            auto_ticket_secs: s.auto_ticket_secs,
        },
        now,
    )
    .await
}

pub async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let cfg = config.clone();
    let knowledge = tokio::task::spawn_blocking(move || -> anyhow::Result<Arc<KnowledgeHandle>> {
        prepare_data(&cfg)?;
        let semantic = Semantic::load(&cfg.model_dir, &cfg.embedding_cache, cfg.embedding_engine);
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
    if demo {
        for (email, role) in crate::accounts::demo::ensure(&db).await? {
            println!(
                "demo account: {email} / {} ({role})",
                crate::accounts::demo::PASSWORD
            );
        }
    }
    let state = build_state(
        &config,
        knowledge.clone(),
        db,
        BotConfig {
            threshold: config.threshold,
            mode: Mode::Hybrid,
            ..BotConfig::default()
        },
    )
    .await?;
    if demo && config.demo_activity {
        // Two weeks of activity, once, so that the reports have figures.
        let seeded = crate::reports::demo::seed(
            &state.db,
            &state.desk,
            &state.knowledge.current(),
            &state.bot,
            crate::store::now(),
        )
        .await?;
        if seeded {
            println!("demo activity: questions, votes, tickets and a chat for the reports");
        }
    }
    let mail = start_background(&state, &config)?;
    tracing::info!("emails: {mail}");
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
    let app = http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
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
