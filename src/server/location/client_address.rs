//! Which address a request comes from. The peer's address, unless the peer is one of the
//! operator's proxies: then the forwarded-address header (`X-Forwarded-For` by default), read
//! from the right, skipping the operator's own proxies, so that the first address no proxy of
//! ours added is the client. Entries a client wrote itself sit further left and are never read.

use ipnet::IpNet;
use std::net::IpAddr;

/// The operator's proxies: the only peers whose forwarded-address header is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// Parses CIDR ranges or single addresses (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`).
    ///
    /// # Errors
    /// The entry that is neither, quoted.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        let networks = entries
            .iter()
            .map(|entry| parse_network(entry).ok_or_else(|| format!("{entry:?} is not an address or CIDR range")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies { networks })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.networks.iter().any(|network| network.contains(&address))
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }
}

/// A CIDR range, or one address as its own range.
pub fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>().ok().or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from)).map(|network| network.trunc())
}

/// The client's address: `peer` itself, or, when `peer` is a trusted proxy, the rightmost
/// address of `forwarded` (the header's values, in order) that is not a trusted proxy. `None`
/// when a trusted proxy's header is missing, holds something that is not an address, or
/// names only proxies: the client is then unknown, and nothing is guessed.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    for value in forwarded.rev() {
        for entry in value.rsplit(',') {
            let address = parse_entry(entry)?;
            if !trusted.contains(address) {
                return Some(address);
            }
        }
    }
    None
}

/// One entry of `X-Forwarded-For`: an address, possibly `[v6]` or `v4:port` as some proxies
/// write them.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|socket| socket.ip().to_canonical())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&entries.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>()).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_its_header_says() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(client_address(ip("203.0.113.9"), ["198.51.100.1"].into_iter(), &trusted), Some(ip("203.0.113.9")));
    }

    #[test]
    fn a_trusted_peer_names_the_rightmost_address_no_proxy_of_ours_added() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // The client wrote "1.1.1.1" itself; 203.0.113.9 connected to our first proxy 10.0.0.2.
        let header = ["1.1.1.1, 203.0.113.9", "10.0.0.2"];
        assert_eq!(client_address(ip("127.0.0.1"), header.into_iter(), &trusted), Some(ip("203.0.113.9")));
    }

    #[test]
    fn ipv6_ports_and_mapped_addresses_are_read() {
        let trusted = proxies(&["::1", "127.0.0.0/8"]);
        assert_eq!(client_address(ip("::1"), ["[2001:db8::7]:443"].into_iter(), &trusted), Some(ip("2001:db8::7")));
        assert_eq!(
            client_address(ip("::ffff:127.0.0.1"), ["192.0.2.1:80"].into_iter(), &trusted),
            Some(ip("192.0.2.1"))
        );
    }

    #[test]
    fn a_trusted_peer_without_a_usable_header_names_no_client() {
        let trusted = proxies(&["127.0.0.1"]);
        assert_eq!(client_address(ip("127.0.0.1"), std::iter::empty(), &trusted), None);
        assert_eq!(client_address(ip("127.0.0.1"), ["unknown"].into_iter(), &trusted), None);
        assert_eq!(client_address(ip("127.0.0.1"), ["203.0.113.9, junk"].into_iter(), &trusted), None);
        assert_eq!(client_address(ip("127.0.0.1"), ["127.0.0.1"].into_iter(), &trusted), None);
    }

    #[test]
    fn entries_that_are_not_ranges_are_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".to_owned()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.internal".to_owned()]).is_err());
        assert!(proxies(&["10.1.2.3/8"]).contains(ip("10.200.0.1")));
    }
}
