//! Typed reading of a [`Json`] document that remembers where it is, so every error names the
//! JSON path of the offending value (`tiers[0].require.all[1].location.countries_not_in[2]`),
//! and every object rejects members nobody asked for.

use super::json::Json;
use super::unique::first_duplicate;
use std::ops::RangeInclusive;

/// A value that does not fit: where it is, and what is wrong, in one plain sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// A JSON value together with its path from the document root.
#[derive(Debug, Clone)]
pub struct Field<'a> {
    pub json: &'a Json,
    pub path: String,
}

/// Quotes user input for an error message, shortened so a huge value cannot flood a log.
pub fn quoted(text: &str) -> String {
    const LIMIT: usize = 64;
    let mut shown: String = text.chars().take(LIMIT).collect();
    if text.chars().nth(LIMIT).is_some() {
        shown.push('…');
    }
    Json::String(shown).to_compact()
}

impl<'a> Field<'a> {
    pub fn root(json: &'a Json) -> Self {
        Field { json, path: String::new() }
    }

    /// Shifts the path under a prefix, e.g. `issuers[0].jwks` for a JWKS read on its own.
    pub fn under(json: &'a Json, path: &str) -> Self {
        Field { json, path: path.to_owned() }
    }

    pub fn error(&self, message: impl Into<String>) -> FieldError {
        FieldError { path: self.path.clone(), message: message.into() }
    }

    fn expected(&self, what: &str) -> FieldError {
        self.error(format!("expected {what}, found {}", self.json.type_name()))
    }

    /// An object whose members are read one by one; see [`Members::finish`].
    pub fn object(&self) -> Result<Members<'a>, FieldError> {
        match self.json {
            Json::Object(members) => Ok(Members { path: self.path.clone(), members, used: vec![false; members.len()] }),
            _ => Err(self.expected("an object")),
        }
    }

    pub fn array(&self) -> Result<Vec<Field<'a>>, FieldError> {
        match self.json {
            Json::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, json)| Field { json, path: format!("{}[{i}]", self.path) })
                .collect()),
            _ => Err(self.expected("an array")),
        }
    }

    /// An array of at most `max` items, and at least one unless `allow_empty`.
    pub fn bounded_array(&self, max: usize, allow_empty: bool) -> Result<Vec<Field<'a>>, FieldError> {
        let items = self.array()?;
        if items.is_empty() && !allow_empty {
            return Err(self.error("must not be empty"));
        }
        if items.len() > max {
            return Err(self.error(format!("has {} items; at most {max} are allowed", items.len())));
        }
        Ok(items)
    }

    pub fn string(&self) -> Result<&'a str, FieldError> {
        self.json.as_str().ok_or_else(|| self.expected("a string"))
    }

    /// A non-empty string of at most `max_len` bytes.
    pub fn short_string(&self, max_len: usize) -> Result<&'a str, FieldError> {
        let text = self.string()?;
        if text.is_empty() {
            return Err(self.error("must not be empty"));
        }
        if text.len() > max_len {
            return Err(self.error(format!("is longer than {max_len} bytes")));
        }
        Ok(text)
    }

    pub fn bool(&self) -> Result<bool, FieldError> {
        match self.json {
            Json::Bool(value) => Ok(*value),
            _ => Err(self.expected("true or false")),
        }
    }

    /// A whole number written without fraction or exponent, within `range`.
    pub fn uint(&self, range: RangeInclusive<u64>) -> Result<u64, FieldError> {
        match self.json {
            Json::Number(raw) => match self.json.as_safe_uint() {
                Some(n) if range.contains(&n) => Ok(n),
                _ => Err(self.error(format!("{raw} is not a whole number from {} to {}", range.start(), range.end()))),
            },
            _ => Err(self.expected("a whole number")),
        }
    }

    /// A list of distinct values, each read by `item` (the check is O(n log n)).
    pub fn distinct_list<T: Ord>(
        &self,
        max: usize,
        item: impl FnMut(&Field<'a>) -> Result<T, FieldError>,
    ) -> Result<Vec<T>, FieldError> {
        let fields = self.bounded_array(max, false)?;
        let out = fields.iter().map(item).collect::<Result<Vec<T>, FieldError>>()?;
        match first_duplicate(&out).and_then(|index| fields.get(index)) {
            Some(field) => Err(field.error("appears twice in the list")),
            None => Ok(out),
        }
    }
}

/// The members of one object. Each read marks a member as known; [`Members::finish`] refuses
/// the rest, so that a misspelt policy field is an error rather than a silently ignored rule.
pub struct Members<'a> {
    path: String,
    members: &'a [(String, Json)],
    used: Vec<bool>,
}

impl<'a> Members<'a> {
    fn field(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    pub fn optional(&mut self, name: &str) -> Option<Field<'a>> {
        let index = self.members.iter().position(|(key, _)| key == name)?;
        if let Some(used) = self.used.get_mut(index) {
            *used = true;
        }
        let (_, json) = self.members.get(index)?;
        Some(Field { json, path: self.field(name) })
    }

    pub fn required(&mut self, name: &str) -> Result<Field<'a>, FieldError> {
        self.optional(name).ok_or_else(|| FieldError {
            path: self.path.clone(),
            message: format!("the member \"{name}\" is required"),
        })
    }

    /// Every member not read yet, for maps keyed by data (languages, codes).
    pub fn rest(&mut self) -> Vec<(&'a str, Field<'a>)> {
        let mut out = Vec::new();
        for (i, (name, json)) in self.members.iter().enumerate() {
            if let Some(used) = self.used.get_mut(i) {
                if !*used {
                    *used = true;
                    out.push((name.as_str(), Field { json, path: self.field(name) }));
                }
            }
        }
        out
    }

    /// Refuses any member that was not read.
    pub fn finish(self) -> Result<(), FieldError> {
        let unknown = self.members.iter().zip(&self.used).find(|(_, used)| !**used);
        match unknown {
            Some(((name, _), _)) => {
                Err(FieldError { path: self.field(name), message: "is not a known field".to_owned() })
            }
            None => Ok(()),
        }
    }
}
