//! `string_enum!`: an enum whose values have fixed spellings (reason codes, claim vocabularies).
//! Each gets `ALL` (in a fixed order: support codes store positions, so only append), `as_str`,
//! `parse` (exact spelling only), `index`/`from_index`, `choices` for error messages, `Display`.

#[macro_export]
#[doc(hidden)]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)* }

        impl $name {
            /// Every value, in the fixed order used by support codes.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// The value spelled exactly `text`.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }

            /// Position in [`Self::ALL`].
            pub fn index(self) -> u8 {
                self as u8
            }

            pub fn from_index(index: u8) -> Option<$name> {
                Self::ALL.get(usize::from(index)).copied()
            }

            /// The spellings, for error messages: `"a", "b" or "c"`.
            pub fn choices() -> String {
                let quoted: Vec<String> = Self::ALL.iter().map(|v| format!("\"{}\"", v.as_str())).collect();
                match quoted.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => quoted.concat(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
