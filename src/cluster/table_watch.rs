//! Any kind, listed and watched as the server's Table representation (`as=Table;g=meta.k8s.io`): the columns
//! kubectl prints, CRD printer columns included. Each row becomes a `DynamicObject` holding the row's metadata
//! and its cells (`data.cells`), so it flows through the same watch loop and cache as every other kind.
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use http::header::ACCEPT;
use kube::api::{DynamicObject, ListParams, ObjectList, TypeMeta, WatchEvent, WatchParams};
use kube::core::{ListMeta, ObjectMeta, Request};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Scope;
use super::resources::Resource;
use super::watch::Source;

const AS_TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/// One column of the server's Table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type", default)]
    pub type_: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub priority: i32,
}

#[derive(Debug, Deserialize)]
struct TableRow {
    #[serde(default)]
    cells: Vec<Value>,
    #[serde(default)]
    object: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Table {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    column_definitions: Vec<ColumnDef>,
    #[serde(default)]
    rows: Vec<TableRow>,
}

/// Lists and watches one resource in one scope as Tables; the columns go to `on_columns` with each list.
pub struct TableSource {
    client: kube::Client,
    path: String,
    types: TypeMeta,
    on_columns: Arc<dyn Fn(Vec<ColumnDef>) + Send + Sync>,
}

impl TableSource {
    pub fn new(
        client: kube::Client,
        resource: &Resource,
        scope: &Scope,
        on_columns: Arc<dyn Fn(Vec<ColumnDef>) + Send + Sync>,
    ) -> Self {
        let base = if resource.group.is_empty() {
            format!("/api/{}", resource.version)
        } else {
            format!("/apis/{}/{}", resource.group, resource.version)
        };
        let path = match scope {
            Scope::Namespace(ns) if resource.namespaced => format!("{base}/namespaces/{ns}/{}", resource.plural),
            _ => format!("{base}/{}", resource.plural),
        };
        let types = TypeMeta { api_version: resource.api_version(), kind: resource.kind.to_string() };
        TableSource { client, path, types, on_columns }
    }

    fn objects(&self, table: Table) -> Vec<DynamicObject> {
        table.rows.into_iter().map(|row| self.object(row)).collect()
    }

    fn object(&self, row: TableRow) -> DynamicObject {
        let metadata: ObjectMeta = row
            .object
            .and_then(|o| o.get("metadata").cloned())
            .and_then(|m| serde_json::from_value(m).ok())
            .unwrap_or_default();
        DynamicObject { types: Some(self.types.clone()), metadata, data: json!({ "cells": row.cells }) }
    }

    fn request(&self, req: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        let mut req = req;
        if let Ok(value) = AS_TABLE.parse() {
            req.headers_mut().insert(ACCEPT, value);
        }
        req
    }
}

impl Source<DynamicObject> for TableSource {
    async fn list(&self, params: &ListParams) -> kube::Result<ObjectList<DynamicObject>> {
        let req = Request::new(&self.path).list(params).map_err(kube::Error::BuildRequest)?;
        let table: Table = self.client.request(self.request(req)).await?;
        (self.on_columns)(table.column_definitions.clone());
        let metadata = table.metadata.clone();
        Ok(ObjectList { types: TypeMeta::default(), metadata, items: self.objects(table) })
    }

    async fn watch(
        &self,
        params: &WatchParams,
        rv: &str,
    ) -> kube::Result<BoxStream<'static, kube::Result<WatchEvent<DynamicObject>>>> {
        let req = Request::new(&self.path).watch(params, rv).map_err(kube::Error::BuildRequest)?;
        let stream = self.client.request_events::<Value>(self.request(req)).await?;
        let this = TableSource {
            client: self.client.clone(),
            path: self.path.clone(),
            types: self.types.clone(),
            on_columns: Arc::clone(&self.on_columns),
        };
        let rows = move |table: Value| -> Vec<DynamicObject> {
            serde_json::from_value::<Table>(table).map(|t| this.objects(t)).unwrap_or_default()
        };
        Ok(stream
            .flat_map(move |event: kube::Result<WatchEvent<Value>>| {
                let events: Vec<kube::Result<WatchEvent<DynamicObject>>> = match event {
                    Ok(WatchEvent::Added(t)) => rows(t).into_iter().map(|o| Ok(WatchEvent::Added(o))).collect(),
                    Ok(WatchEvent::Modified(t)) => rows(t).into_iter().map(|o| Ok(WatchEvent::Modified(o))).collect(),
                    Ok(WatchEvent::Deleted(t)) => rows(t).into_iter().map(|o| Ok(WatchEvent::Deleted(o))).collect(),
                    Ok(WatchEvent::Bookmark(b)) => vec![Ok(WatchEvent::Bookmark(b))],
                    Ok(WatchEvent::Error(e)) => vec![Ok(WatchEvent::Error(e))],
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(events)
            })
            .boxed())
    }
}
