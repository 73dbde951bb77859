//! `mosaic bindings export|import` through the real binary: a file imported into one data dir and exported
//! again reads the same, another context stays apart, and a bad file is refused with its reason.
use std::fs;
use std::process::{Command, Output};

fn mosaic(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(args)
        .env("MOSAIC_DATA_DIR", data)
        .env("MOSAIC_STATE_DIR", data.join("state"))
        .env("HOME", "/home/ann")
        .env_remove("KUBECONFIG")
        .output()
        .expect("mosaic runs")
}

const FILE: &str = "\
# mosaic app bindings: import with `mosaic bindings import FILE`
context: kind-dev
bindings:
- namespace: shop
  kind: Deployment
  name: storefront
  repo: ~/src/storefront
  image: ghcr.io/mosaic-demo/storefront
  dockerfile: docker/Dockerfile
  buildContext: .
- namespace: shop
  kind: StatefulSet
  name: redis
";

#[test]
fn bindings_round_trip_through_export_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bindings.yaml");
    fs::write(&file, FILE).unwrap();

    let out = mosaic(dir.path(), &["bindings", "import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Imported 2 binding(s) into context kind-dev.\n");

    let out = mosaic(dir.path(), &["--context", "kind-dev", "bindings", "export"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), FILE);

    // Another context has none; exporting to a file says where it went.
    let out = mosaic(dir.path(), &["--context", "prod", "bindings", "export"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("context: prod\nbindings: []"));
    let copy = dir.path().join("copy.yaml");
    let out = mosaic(dir.path(), &["--context", "kind-dev", "bindings", "export", "-o", copy.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Exported 2 binding(s) of context kind-dev"));
    assert_eq!(fs::read_to_string(&copy).unwrap(), FILE);
}

#[test]
fn a_bad_bindings_file_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    fs::write(&file, "context: kind-dev\nbindings:\n- {namespace: shop, kind: Pod, name: web}\n").unwrap();
    let out = mosaic(dir.path(), &["bindings", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml") && err.contains("must be Deployment, StatefulSet or DaemonSet"), "{err}");

    // Without --context and without a kubeconfig, export says what to do.
    let out = mosaic(dir.path(), &["--kubeconfig", "/nonexistent/kubeconfig", "bindings", "export"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pass --context"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
