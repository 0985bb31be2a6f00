//! A small argument reader: `--name value`, `--name=value`, flags, and positionals.
//! Every problem is an `error:` line for the user, never a panic.

/// Arguments of one subcommand.
pub struct Args {
    items: Vec<String>,
}

impl Args {
    pub fn new(items: Vec<String>) -> Args {
        Args { items }
    }

    /// Every value of `--name` (the option may repeat).
    pub fn values(&mut self, name: &str) -> Result<Vec<String>, String> {
        let flag = format!("--{name}");
        let prefix = format!("--{name}=");
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.items.len() {
            let item = self.items.get(i).cloned().unwrap_or_default();
            if item == flag {
                if i + 1 >= self.items.len() {
                    return Err(format!("{flag} needs a value"));
                }
                out.push(self.items.remove(i + 1));
                self.items.remove(i);
            } else if let Some(value) = item.strip_prefix(&prefix) {
                out.push(value.to_owned());
                self.items.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(out)
    }

    /// The value of `--name`, which may be given once.
    pub fn value(&mut self, name: &str) -> Result<Option<String>, String> {
        let mut values = self.values(name)?;
        if values.len() > 1 {
            return Err(format!("--{name} may be given only once"));
        }
        Ok(values.pop())
    }

    /// A whole number of seconds since the epoch.
    pub fn seconds(&mut self, name: &str) -> Result<Option<u64>, String> {
        match self.value(name)? {
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= access_check::core::json::MAX_SAFE_INTEGER)
                .map(Some)
                .ok_or_else(|| format!("--{name} {text:?}: expected whole seconds since 1970")),
            None => Ok(None),
        }
    }

    pub fn flag(&mut self, name: &str) -> bool {
        let flag = format!("--{name}");
        let before = self.items.len();
        self.items.retain(|item| *item != flag);
        self.items.len() != before
    }

    /// Nothing may be left: no unknown option, no stray argument.
    pub fn finish(self) -> Result<(), String> {
        match self.positionals()?.first() {
            Some(extra) => Err(format!("unexpected argument {extra:?}")),
            None => Ok(()),
        }
    }

    /// What is left, which must not look like options.
    pub fn positionals(self) -> Result<Vec<String>, String> {
        match self.items.iter().find(|item| item.starts_with("--")) {
            Some(unknown) => Err(format!("unknown option {unknown}")),
            None => Ok(self.items),
        }
    }
}
