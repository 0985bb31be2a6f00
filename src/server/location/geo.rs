//! The country of an address, from a database in the MaxMind DB format, read with the
//! `maxminddb` crate. GeoLite2 / GeoIP2 and DB-IP write `country.iso_code` (and, in their city
//! editions, `subdivisions[0].iso_code`); IPinfo writes `country_code` or `country`. An address
//! the database does not know, or knows only by a code that is not ISO 3166-1, has no location:
//! nothing is guessed.

use crate::core::facts::{Country, Region};
use maxminddb::{path, Reader};
use std::net::IpAddr;
use std::path::Path;

/// Where the database puts an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub country: Country,
    /// The first-level subdivision, when the database has one (city editions).
    pub region: Option<Region>,
}

pub struct CountryDatabase {
    reader: Reader<Vec<u8>>,
}

impl std::fmt::Debug for CountryDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountryDatabase").field("type", &self.reader.metadata().database_type).finish()
    }
}

impl CountryDatabase {
    /// Opens a `.mmdb` file.
    ///
    /// # Errors
    /// It cannot be read or is not a MaxMind DB, naming the file.
    pub fn open(path: &Path) -> Result<CountryDatabase, String> {
        let reader = Reader::open_readfile(path).map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(CountryDatabase { reader })
    }

    /// What the start-up log says about it: its type and build date.
    pub fn describe(&self) -> String {
        let metadata = self.reader.metadata();
        format!("{} built {}", metadata.database_type, metadata.build_epoch)
    }

    /// The country (and region) of `address`; `None` when the database does not know it, or
    /// cannot be read there.
    pub fn locate(&self, address: IpAddr) -> Option<Located> {
        let address = address.to_canonical();
        if address.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return None;
        }
        let found = self.reader.lookup(address).ok()?;
        if !found.has_data() {
            return None;
        }
        let text = |elements: &[maxminddb::PathElement<'_>]| found.decode_path::<String>(elements).ok().flatten();
        let code = text(&path!["country", "iso_code"])
            .or_else(|| text(&path!["country_code"]))
            .or_else(|| text(&path!["country"]))?;
        let country = Country::parse(&code)?;
        // A subdivision the database names in a form ISO 3166-2 does not have is left out
        // (a policy that excludes regions then asks for one), never passed on.
        let region = text(&path!["subdivisions", 0, "iso_code"])
            .and_then(|subdivision| Region::parse(&format!("{}-{subdivision}", country.as_str())));
        Some(Located { country, region })
    }
}
