//! The only place the browser build reads a clock.

/// Seconds since the epoch by the device clock.
pub fn now() -> u64 {
    let millis = js_sys::Date::now();
    if millis.is_finite() && millis > 0.0 {
        (millis / 1000.0) as u64
    } else {
        0
    }
}

/// Seconds since the epoch of an HTTP `Date` header, if it parses.
pub fn parse_http_date(value: &str) -> Option<u64> {
    let millis = js_sys::Date::parse(value);
    (millis.is_finite() && millis > 0.0).then(|| (millis / 1000.0) as u64)
}
