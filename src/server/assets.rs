//! The browser bundle under `/pkg`: the JS glue, the WebAssembly and the stylesheet.
//!
//! `scripts/build.sh` publishes each file twice, under a name with its content's hash
//! (`bento-console.<16 hex digits>.wasm`) and under its plain name, each with a brotli (`.br`)
//! and a gzip (`.gz`) compression next to it, plus `pkg/hash.txt`, which Leptos's
//! `HydrationScripts` and `HashedStylesheet` read to put the hashed names into every page.
//!
//! Here the files are served with the compression the request accepts (brotli first), with
//! `Vary: Accept-Encoding`, and cached accordingly: a hashed name never changes content, so
//! browsers keep it a year without asking again (`immutable`); a plain name is revalidated on
//! every use (`no-cache`, answered 304 when unchanged). The site's other files (`public/`, the
//! favicon), served by the router's fallback, are kept a day.

use std::path::{Path, PathBuf};

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
    routing::MethodRouter,
};
use tower_http::services::ServeDir;

/// The site's directory the bundle lives in, under the site root (as URL path and directory).
pub const PKG_DIR: &str = "pkg";
/// Written by `scripts/build.sh` (`scripts/publish-bundle.mjs`): `js: <hash>`, `wasm: <hash>`,
/// `css: <hash>`, one a line.
pub const HASH_FILE: &str = "hash.txt";

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// The site's other files (`public/`: the favicon), which keep their names: a day.
const A_DAY: HeaderValue = HeaderValue::from_static("public, max-age=86400");

/// The hash file of the site at `site_root`, as an absolute path, when the build wrote one.
///
/// Leptos reads it on each render from `current_exe()`'s directory joined with this path,
/// which is this path itself when it is absolute. Without one (e.g. under `cargo leptos
/// watch`), pages name the plain files.
pub fn hash_file(site_root: &Path) -> Option<PathBuf> {
    let path = std::path::absolute(site_root.join(PKG_DIR).join(HASH_FILE)).ok()?;
    path.is_file().then_some(path)
}

/// Serves `<site_root>/pkg`, to be nested at `/pkg`.
pub fn service(site_root: &Path) -> MethodRouter {
    let files = ServeDir::new(site_root.join(PKG_DIR)).precompressed_br().precompressed_gzip();
    axum::routing::get_service(files).layer(axum::middleware::from_fn(cache_headers))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, if hashed { IMMUTABLE } else { REVALIDATE });
        // Which file answered depended on Accept-Encoding, also when it was the plain one.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// For what the router's fallback answers: a file of the site root when it is a success (a
/// page it renders is a 404, or a redirect), which browsers may then keep a day.
pub fn cache_site_file(mut response: Response) -> Response {
    if response.status() == StatusCode::OK {
        response.headers_mut().entry(header::CACHE_CONTROL).or_insert(A_DAY);
    }
    response
}

/// Whether the file name carries a content hash: a dot-separated part of exactly 16
/// lowercase hexadecimal digits, as `scripts/publish-bundle.mjs` names files.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.split('.');
    // The first part is the name itself, the last the extension.
    parts.next();
    let mut middle: Vec<&str> = parts.collect();
    middle.pop();
    middle.iter().any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, Router};
    use tower::ServiceExt;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/bento-console.0123456789abcdef.wasm"));
        assert!(is_hashed("/bento-console.0123456789abcdef.js"));
        assert!(!is_hashed("/bento-console.wasm"));
        assert!(!is_hashed("/bento-console.css"));
        assert!(!is_hashed("/hash.txt"));
        // Not 16 digits, not lowercase hexadecimal, or the extension itself.
        assert!(!is_hashed("/bento-console.0123456789abcde.wasm"));
        assert!(!is_hashed("/bento-console.0123456789ABCDEF.wasm"));
        assert!(!is_hashed("/bento-console.0123456789abcdeg.wasm"));
        assert!(!is_hashed("/0123456789abcdef.0123456789abcdef"));
    }

    /// A site with one file published the way `scripts/publish-bundle.mjs` does it.
    fn site() -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join(PKG_DIR);
        std::fs::create_dir(&pkg).unwrap();
        for name in ["app.0123456789abcdef.wasm", "app.wasm"] {
            std::fs::write(pkg.join(name), b"plain").unwrap();
            std::fs::write(pkg.join(format!("{name}.br")), b"brotli").unwrap();
            std::fs::write(pkg.join(format!("{name}.gz")), b"gzip").unwrap();
        }
        std::fs::write(pkg.join(HASH_FILE), "wasm: 0123456789abcdef\n").unwrap();
        site
    }

    async fn get(site: &Path, path: &str, accept_encoding: Option<&str>) -> (Response, String) {
        let router = Router::new().nest_service("/pkg", service(site));
        let mut request = Request::builder().uri(path);
        if let Some(accept) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let response = router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, 1024).await.unwrap();
        (Response::from_parts(parts, Body::empty()), String::from_utf8_lossy(&body).into_owned())
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response.headers().get(name).map(|value| value.to_str().unwrap()).unwrap_or_default()
    }

    #[tokio::test]
    async fn serves_the_compression_the_request_accepts() {
        let site = site();
        for (accept, body, encoding) in [
            (Some("gzip, deflate, br, zstd"), "brotli", "br"),
            (Some("gzip, deflate"), "gzip", "gzip"),
            (None, "plain", ""),
        ] {
            let (response, text) = get(site.path(), "/pkg/app.0123456789abcdef.wasm", accept).await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(text, body, "{accept:?}");
            assert_eq!(header_of(&response, header::CONTENT_ENCODING), encoding, "{accept:?}");
            assert_eq!(header_of(&response, header::VARY), "accept-encoding");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), "application/wasm");
            assert_eq!(header_of(&response, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
        }
    }

    #[tokio::test]
    async fn plain_names_are_revalidated_and_missing_files_not_cached() {
        let site = site();
        let (response, text) = get(site.path(), "/pkg/app.wasm", Some("br")).await;
        assert_eq!((response.status(), text.as_str()), (StatusCode::OK, "brotli"));
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");

        let (response, _) = get(site.path(), "/pkg/app.fedcba9876543210.wasm", Some("br")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "");
    }

    #[test]
    fn site_files_are_kept_a_day_and_nothing_else_is() {
        let answer = |status: StatusCode, cache_control: Option<&'static str>| {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = status;
            if let Some(value) = cache_control {
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
            }
            let response = cache_site_file(response);
            header_of(&response, header::CACHE_CONTROL).to_owned()
        };
        assert_eq!(answer(StatusCode::OK, None), "public, max-age=86400");
        assert_eq!(answer(StatusCode::OK, Some("no-store")), "no-store");
        assert_eq!(answer(StatusCode::NOT_FOUND, None), "");
        assert_eq!(answer(StatusCode::FOUND, None), "");
    }

    #[test]
    fn the_hash_file_is_found_by_absolute_path() {
        let site = site();
        let found = hash_file(site.path()).unwrap();
        assert!(found.is_absolute());
        // Leptos joins it to the executable's directory: an absolute path replaces that.
        assert_eq!(Path::new("/usr/local/bin").join(&found), found);
        assert_eq!(hash_file(&site.path().join("nowhere")), None);
    }
}
