//! The URLs a policy may hold: links put in front of users, and `jwks_uri`s keys are fetched
//! from. Each must mean the same to us as to a browser (the WHATWG URL standard), so the rules
//! are a strict subset of what browsers accept: whatever a browser could read differently is
//! refused. Why not the `url` crate: its IDNA tables cost the widget more wasm than the whole
//! verifier, and it accepts (as browsers do) the spellings that are refused here.
//!
//! The traps this closes: browsers treat `\` like `/` in http(s) URLs, so `/\evil.example` is
//! `//evil.example`, another origin; `user@host` hides the real host after the `@`; hosts such
//! as `0x7f.1` are IPv4 addresses to a browser.

/// Why a URL is refused, in a few words.
pub type UrlError = &'static str;

/// A link for the user: `https://` or `http://` with a host, `mailto:`, or a same-site `/path`.
///
/// # Errors
/// What is wrong, for the policy error.
pub fn check_link(text: &str) -> Result<(), UrlError> {
    common(text)?;
    if let Some(rest) = text.strip_prefix("mailto:") {
        return if rest.is_empty() { Err("a mailto: link needs an address") } else { Ok(()) };
    }
    if text.starts_with('/') {
        return same_site_path(text);
    }
    match split_http(text) {
        Some((_, authority)) => host_and_port(authority).map(|_| ()),
        None => Err("is not an https://, http://, mailto: or /path link"),
    }
}

/// Where keys may come from: `https://` with a host, `http://` only for a loopback host (local
/// tests), or a same-site `/path` (fetched by the browser from the page's own origin).
///
/// # Errors
/// What is wrong, for the policy error.
pub fn check_key_url(text: &str) -> Result<(), UrlError> {
    common(text)?;
    if text.contains('#') {
        return Err("a key URL has no #fragment");
    }
    if text.starts_with('/') {
        return same_site_path(text);
    }
    match split_http(text) {
        Some((scheme, authority)) => {
            let host = host_and_port(authority)?;
            if scheme == "http" && !is_loopback(host) {
                return Err("keys are fetched over https:// (http:// only from a loopback host)");
            }
            Ok(())
        }
        None => Err("keys are fetched from an https:// URL or a same-site /path"),
    }
}

/// Printable ASCII without spaces, and no backslash (a browser reads it as `/`).
fn common(text: &str) -> Result<(), UrlError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be printable ASCII without spaces");
    }
    if text.contains('\\') {
        return Err("must not contain a backslash (browsers read it as '/')");
    }
    Ok(())
}

/// `/path`, never `//host` (a scheme-relative URL to another site).
fn same_site_path(text: &str) -> Result<(), UrlError> {
    match text.as_bytes() {
        [b'/', b'/', ..] => Err("starts with // and would lead to another site"),
        [b'/', ..] => Ok(()),
        _ => Err("a same-site path starts with /"),
    }
}

/// `("https" | "http", authority)` for an absolute http(s) URL.
fn split_http(text: &str) -> Option<(&'static str, &str)> {
    let (scheme, rest) = if let Some(rest) = text.strip_prefix("https://") {
        ("https", rest)
    } else {
        ("http", text.strip_prefix("http://")?)
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest.get(..end).map(|authority| (scheme, authority))
}

/// The host of `host[:port]`: a DNS name, dotted-decimal IPv4 or `[IPv6]`; no user info.
fn host_and_port(authority: &str) -> Result<&str, UrlError> {
    if authority.contains('@') {
        return Err("must not contain user@ before the host (it hides the real host)");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']').ok_or("has an unclosed [ in its host")?;
            if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
                return Err("has an invalid IPv6 host");
            }
            let host = authority.get(..inside.len() + 2).ok_or("has an invalid IPv6 host")?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':').ok_or("has text after its IPv6 host")?)),
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if let Some(port) = port {
        let valid = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        if !valid || port.parse::<u32>().map_or(true, |n| n > 65_535) {
            return Err("has an invalid port");
        }
    }
    if !host.starts_with('[') && !is_dns_name_or_ipv4(host) {
        return Err("has an invalid host (letters, digits, '-' and '.' only)");
    }
    Ok(host)
}

/// Letters, digits and hyphens in dot-separated labels of 1–63 characters. A host made only
/// of digits and dots must be a canonical dotted-decimal IPv4 address; browsers read forms
/// such as `0x7f.1` or `2130706433` as addresses, so a last label that starts with a digit and
/// is not part of a canonical IPv4 address is refused.
fn is_dns_name_or_ipv4(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    let labels_ok = host.split('.').all(|label| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    let last_numeric =
        host.rsplit('.').next().is_some_and(|label| label.bytes().next().is_some_and(|b| b.is_ascii_digit()));
    labels_ok && (!last_numeric || ipv4(host).is_some())
}

/// A canonical dotted-decimal IPv4 address: four parts 0–255 without leading zeros.
fn ipv4(host: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = host.split('.');
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn is_loopback(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.eq_ignore_ascii_case("localhost") || host == "[::1]" || ipv4(host).is_some_and(|[first, ..]| first == 127)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        for ok in [
            "https://example.com",
            "https://a.example:8443/x?y#z",
            "http://example.com/",
            "mailto:help@example.com",
            "/help",
            "/",
            "https://[2001:db8::1]/",
            "https://192.0.2.1/",
        ] {
            assert_eq!(check_link(ok), Ok(()), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/x\\y",
            "https:\\\\evil.example",
            "https://good@evil.example",
            "https://",
            "https://:443/",
            "https://a..b/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://1.2.3.04/",
            "javascript:alert(1)",
            "mailto:",
            "ftp://example.com",
            "https://example.com:99999/",
            "https://[::1/",
            "https://exa mple.com",
            "help",
        ] {
            assert!(check_link(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn key_urls() {
        for ok in [
            "https://idv.example/jwks.json",
            "http://127.0.0.1:9000/jwks",
            "http://localhost/jwks",
            "http://[::1]:8080/k",
            "/.well-known/jwks.json",
        ] {
            assert_eq!(check_key_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://idv.example/jwks",
            "mailto:keys@idv.example",
            "/\\idv.example/jwks",
            "//idv.example/jwks",
            "http://127.0.0.1@evil.example/",
            "http://0x7f.0.0.1/",
            "http://127.0.0.1.evil.example/",
            "https://idv.example/jwks#x",
        ] {
            assert!(check_key_url(bad).is_err(), "{bad} was accepted");
        }
    }
}
