//! `fetch` with a timeout, and retry with backoff. The element's only network access.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCredentials, RequestInit, Response};

/// What came back: the body text and the `Date` header, if exposed.
pub struct Fetched {
    pub text: String,
    pub date: Option<String>,
}

/// Why a fetch failed, in words for the integrator's console.
pub struct FetchError {
    pub message: String,
    /// Worth trying again (network error, timeout, 5xx, 429), as opposed to a 4xx.
    pub transient: bool,
}

fn error(message: String, transient: bool) -> FetchError {
    FetchError { message, transient }
}

/// Waits `millis` milliseconds.
pub async fn sleep(millis: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// GETs `url`, giving up after `timeout_millis`. `with_credentials` sends cookies cross-origin.
///
/// # Errors
/// Network failure, timeout, a non-2xx status, or a body that is not text.
pub async fn get(url: &str, with_credentials: bool, timeout_millis: i32) -> Result<Fetched, FetchError> {
    let window = web_sys::window().ok_or_else(|| error("no window".into(), false))?;
    let controller = AbortController::new().map_err(|_| error("AbortController is unavailable".into(), false))?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_signal(Some(&controller.signal()));
    init.set_credentials(if with_credentials { RequestCredentials::Include } else { RequestCredentials::SameOrigin });
    let abort = controller.clone();
    let _timeout = super::owned::Timer::new(f64::from(timeout_millis), move || abort.abort());
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| {
        if controller.signal().aborted() {
            return error(format!("{url} did not answer within {timeout_millis} ms"), true);
        }
        // A browser reports a refused cross-origin read exactly like a network failure.
        let cross_origin = cross_origin(url);
        let why = if cross_origin {
            "the network failed, or the server does not allow this page's origin (CORS: it must send \
             Access-Control-Allow-Origin)"
        } else {
            "the network failed"
        };
        error(format!("{url} could not be read: {why}"), true)
    })?;
    let response: Response = response.dyn_into().map_err(|_| error(format!("{url}: not a response"), false))?;
    let status = response.status();
    if !response.ok() {
        let transient = status >= 500 || status == 429;
        return Err(error(format!("{url} answered HTTP {status}"), transient));
    }
    let date = response.headers().get("date").ok().flatten();
    let body = response.text().map_err(|_| error(format!("{url}: unreadable body"), false))?;
    let text = JsFuture::from(body).await.map_err(|_| error(format!("{url}: the body could not be read"), true))?;
    Ok(Fetched { text: text.as_string().unwrap_or_default(), date })
}

/// Whether `url` is on another origin than the page (then CORS applies).
fn cross_origin(url: &str) -> bool {
    let Some(location) = web_sys::window().map(|window| window.location()) else { return false };
    let page = location.origin().unwrap_or_default();
    let absolute = url.contains("://") || url.starts_with("//");
    absolute && !url.starts_with(&format!("{page}/")) && url != page
}

/// [`get`] with up to `attempts` tries, waiting 500 ms, 1 s, 2 s… between transient failures.
///
/// # Errors
/// The last failure.
pub async fn get_with_retry(
    url: &str,
    with_credentials: bool,
    timeout_millis: i32,
    attempts: u32,
) -> Result<Fetched, FetchError> {
    let mut delay = 500;
    let mut attempt = 1;
    loop {
        match get(url, with_credentials, timeout_millis).await {
            Ok(fetched) => return Ok(fetched),
            Err(failure) if failure.transient && attempt < attempts => {
                sleep(delay).await;
                delay = delay.saturating_mul(2);
                attempt += 1;
            }
            Err(failure) => return Err(failure),
        }
    }
}
