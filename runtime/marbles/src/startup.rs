//! Startup, as classic's `startup_lib.js` reports it in `app_state`
//! (`checklist`, `enrolling`, `find_chaincode`, `register_owners`, each
//! `{state, step}`): check the chaincode answers (`read ["selftest"]`; if it
//! was never initialised, submit `init ["12345"]` as classic's instantiate
//! does), then register each company's missing demo owners and give each new
//! owner 3 marbles in the company's seed color, sizes at random.
//!
//! Identities are the ledger's own (loaded when it opened), so `checklist` and
//! `enrolling` succeed at once.

use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::Marbles;
use crate::gateway::{Company, Gateway};
use crate::ids::{SEED_COLORS, SEED_SIZES, new_id, pick};

/// Marbles per new owner, as classic seeds them.
pub const MARBLES_PER_OWNER: usize = 3;

/// The `app_state` message before anything ran, with fclocal's additions:
/// the companies (so the UI can offer them), the server's own, and where the
/// UI reads reward points (`points: {project, logstore}` or null).
pub(crate) fn initial_state(companies: &[Company], points: Option<&(String, String)>) -> Value {
    let names: Vec<&str> = companies.iter().map(|c| c.name.as_str()).collect();
    json!({
        "msg": "app_state",
        "state": {
            "checklist": {"state": "success", "step": "step1"},
            "enrolling": {"state": "success", "step": "step2"},
            "find_chaincode": {"state": "waiting", "step": "step3"},
            "register_owners": {"state": "waiting", "step": "step4"},
        },
        "company": names.first(),
        "companies": names,
        "points": points.map(|(project, logstore)| json!({"project": project, "logstore": logstore})),
    })
}

fn set(marbles: &Marbles, step: &str, state: &str, error: Option<&str>) {
    marbles.state.send_modify(|message| {
        message["state"][step]["state"] = json!(state);
        if let Some(error) = error {
            message["state"][step]["error"] = json!(error);
        }
    });
}

/// Runs the startup steps once.
pub(crate) async fn run(marbles: &Marbles) {
    let gateway = &marbles.gateway;
    let own = marbles.own_company().msp_id.clone();
    if let Err(e) = find_chaincode(gateway, &own).await {
        tracing::error!("Marbles: the chaincode is not usable: {e}");
        set(marbles, "find_chaincode", "failed", Some(&e));
        return;
    }
    set(marbles, "find_chaincode", "success", None);
    match register_owners(gateway, &own, &marbles.companies).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            "Marbles: registered {n} demo owner(s), {MARBLES_PER_OWNER} marbles each"
        ),
        Err(e) => {
            tracing::error!("Marbles: registering the demo owners failed: {e}");
            set(marbles, "register_owners", "failed", Some(&e));
            return;
        }
    }
    set(marbles, "register_owners", "success", None);
    marbles.refresh_everything().await;
}

async fn find_chaincode(gateway: &Gateway, msp_id: &str) -> Result<(), String> {
    let selftest = gateway.query(msp_id, "read", &["selftest"]).await?;
    if selftest.is_empty() {
        let args = vec!["12345".to_owned()];
        gateway
            .invoke(msp_id, "init", &args, |_, _| {})
            .await
            .map_err(|e| format!("init [\"12345\"] failed: {}", e.raw))?;
    }
    Ok(())
}

/// Registers the demo owners missing from each company; returns how many.
async fn register_owners(
    gateway: &Gateway,
    msp_id: &str,
    companies: &[Company],
) -> Result<usize, String> {
    let everything = gateway.read_everything(msp_id).await?;
    let existing: Vec<(String, String)> = everything["owners"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let text = |k: &str| o[k].as_str().unwrap_or_default().to_owned();
            (text("company"), text("username"))
        })
        .collect();
    let mut owners = Vec::new();
    for company in companies {
        let color = SEED_COLORS[pick(SEED_COLORS.len())];
        for username in &company.usernames {
            if !existing.contains(&(company.name.clone(), username.clone())) {
                owners.push((company.clone(), username.clone(), new_id('o'), color));
            }
        }
    }
    let submit_all = |calls: Vec<(String, Vec<String>)>| {
        let mut set = JoinSet::new();
        for (msp, args) in calls {
            let gateway = gateway.clone();
            set.spawn(async move {
                let function = if args.len() == 3 {
                    "init_owner"
                } else {
                    "init_marble"
                };
                gateway
                    .invoke(&msp, function, &args, |_, _| {})
                    .await
                    .map_err(|e| e.raw)
            });
        }
        set
    };
    let owner_calls = owners
        .iter()
        .map(|(company, username, id, _)| {
            (
                company.msp_id.clone(),
                vec![id.clone(), username.clone(), company.name.clone()],
            )
        })
        .collect();
    wait_all(submit_all(owner_calls)).await?;
    let mut marble_calls = Vec::new();
    for (company, _, owner_id, color) in &owners {
        for _ in 0..MARBLES_PER_OWNER {
            let size = SEED_SIZES[pick(SEED_SIZES.len())];
            marble_calls.push((
                company.msp_id.clone(),
                vec![
                    new_id('m'),
                    (*color).to_owned(),
                    size.to_owned(),
                    owner_id.clone(),
                    company.name.clone(),
                ],
            ));
        }
    }
    wait_all(submit_all(marble_calls)).await?;
    Ok(owners.len())
}

async fn wait_all(
    mut set: JoinSet<Result<fclocal_ledger::CommitStatus, String>>,
) -> Result<(), String> {
    while let Some(joined) = set.join_next().await {
        joined.map_err(|e| format!("a seeding task failed: {e}"))??;
    }
    Ok(())
}
