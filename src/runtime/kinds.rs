//! Watches of the kinds held as dynamic objects, and discovery.
use std::sync::Arc;

use kube::api::{Api, DynamicObject};
use kube::discovery::ApiResource;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::app::{Data, Msg};
use crate::cluster::table_watch::TableSource;
use crate::cluster::{Kind, Scope, Session, resources, watch};

/// Start the watch of a typed kind read as dynamic objects (at the version this server serves), or of a
/// discovered kind as Tables.
pub fn spawn(session: &Session, kind: Kind, scope: &Scope, tx: UnboundedSender<Msg>, epoch: u64) -> AbortHandle {
    let client = session.client.clone();
    let scope = scope.clone();
    let label = format!("{} in {scope}", kind.kubectl_type());
    tokio::spawn(async move {
        let send = {
            let (tx, scope) = (tx.clone(), scope.clone());
            move |update| tx.send(Msg::Data { epoch, scope: scope.clone(), data: Data::Dynamic(kind, update) }).is_ok()
        };
        if let Kind::Other(id) = kind {
            let columns_tx = tx.clone();
            let columns_scope = scope.clone();
            let on_columns = Arc::new(move |defs| {
                let _ =
                    columns_tx.send(Msg::Data { epoch, scope: columns_scope.clone(), data: Data::Columns(kind, defs) });
            });
            let source = TableSource::new(client, resources::get(id), &scope, on_columns);
            watch::run(source, label, send).await;
            return;
        }
        let versions = kind.versions();
        let version = match versions {
            [only] => *only,
            // Moved between versions (CronJob, EndpointSlice, Ingress): read it where this server has it.
            _ => resources::served_version(&client, kind).await.unwrap_or(versions[0]),
        };
        let api_version =
            if kind.group().is_empty() { version.to_string() } else { format!("{}/{version}", kind.group()) };
        let resource = ApiResource {
            group: kind.group().into(),
            version: version.into(),
            api_version,
            kind: kind.kind_name().into(),
            plural: kind.plural().into(),
        };
        let api: Api<DynamicObject> = match &scope {
            Scope::Namespace(ns) if kind.namespaced() => Api::namespaced_with(client, ns, &resource),
            _ => Api::all_with(client, &resource),
        };
        watch::run(api, label, send).await;
    })
    .abort_handle()
}

/// Ask the server what it serves; the answer comes back as `Msg::Discovered`.
pub fn discover(session: Session, tx: UnboundedSender<Msg>, epoch: u64) {
    tokio::spawn(async move {
        let result = resources::discover(&session.client).await.map_err(|f| f.summary());
        let _ = tx.send(Msg::Discovered { epoch, result });
    });
}
