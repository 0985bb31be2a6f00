//! Plural categories (CLDR's rules for the cardinal numbers of the shipped languages) and
//! durations in natural units, for sentences such as "about 3 hours ahead".

/// The CLDR plural category of whole number `n` in `lang`: `one` for 1 and `other` in English,
/// German and Spanish; `one` for 0 and 1 in French, Portuguese, Hindi and Persian; only `other`
/// in Chinese, Japanese and Korean; Arabic has `zero`, `one`, `two`, `few` (3–10), `many`
/// (11–99) and `other` (by the last two digits). (CLDR's `many` for millions in French,
/// Spanish and Portuguese is never reached by a duration.) Other languages use English's.
pub fn category(lang: &str, n: u64) -> &'static str {
    match lang.split(['-', '_']).next().unwrap_or_default() {
        "zh" | "ja" | "ko" => "other",
        "fr" | "pt" | "hi" | "fa" if n <= 1 => "one",
        "fr" | "pt" | "hi" | "fa" => "other",
        "ar" => match (n, n % 100) {
            (0, _) => "zero",
            (1, _) => "one",
            (2, _) => "two",
            (_, 3..=10) => "few",
            (_, 11..=99) => "many",
            _ => "other",
        },
        _ if n == 1 => "one",
        _ => "other",
    }
}

/// A length of time as a count and its unit, rounded to what a person would say: minutes below
/// three quarters of an hour, hours up to a day and a half, then days.
pub fn natural_duration(seconds: u64) -> (u64, &'static str) {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;
    if seconds < 45 * MINUTE {
        (((seconds + MINUTE / 2) / MINUTE).clamp(1, 44), "minutes")
    } else if seconds < 36 * HOUR {
        ((seconds + HOUR / 2) / HOUR, "hours")
    } else {
        ((seconds + DAY / 2) / DAY, "days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_has_six_categories_and_english_two() {
        let arabic: Vec<&str> =
            [0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111].iter().map(|n| category("ar", *n)).collect();
        assert_eq!(arabic, ["zero", "one", "two", "few", "few", "many", "many", "other", "other", "few", "many"]);
        assert_eq!([category("en", 1), category("en", 0), category("es-MX", 2)], ["one", "other", "other"]);
        assert_eq!(
            [category("fr", 0), category("pt-BR", 1), category("hi", 2), category("fa", 0)],
            ["one", "one", "other", "one"]
        );
        assert_eq!([category("ja", 1), category("zh", 0), category("ko", 2), category("de", 0)], ["other"; 4]);
    }

    #[test]
    fn durations_are_rounded_to_what_a_person_says() {
        assert_eq!(natural_duration(10), (1, "minutes"));
        assert_eq!(natural_duration(150), (3, "minutes"));
        assert_eq!(natural_duration(44 * 60), (44, "minutes"));
        assert_eq!(natural_duration(45 * 60), (1, "hours"));
        assert_eq!(natural_duration(3600), (1, "hours"));
        assert_eq!(natural_duration(3 * 3600 + 100), (3, "hours"));
        assert_eq!(natural_duration(90 * 60), (2, "hours"));
        assert_eq!(natural_duration(3 * 86_400), (3, "days"));
    }
}
