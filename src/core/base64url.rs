//! Strict unpadded base64url (RFC 7515 §2, RFC 4648 §5), SECURITY.md rule 2.
//!
//! Strict means: only `A–Z a–z 0–9 - _`, no padding, no whitespace, no length that cannot occur
//! (4n+1), and the unused low bits of the last character must be zero. Without the last rule two
//! different strings decode to the same bytes, which lets an attacker vary a "unique" token.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn sextet(byte: u8) -> Option<u32> {
    let value = match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// Decodes strict base64url; `None` for anything that is not its one canonical encoding.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let mut chunks = text.chunks_exact(4);
    for chunk in chunks.by_ref() {
        let mut n = 0u32;
        for &byte in chunk {
            n = (n << 6) | sextet(byte)?;
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let rest = chunks.remainder();
    let mut n = 0u32;
    for &byte in rest {
        n = (n << 6) | sextet(byte)?;
    }
    match rest.len() {
        0 => {}
        2 => {
            // 12 bits carry one byte; the low 4 must be zero.
            if n & 0xF != 0 {
                return None;
            }
            out.push((n >> 4) as u8);
        }
        3 => {
            // 18 bits carry two bytes; the low 2 must be zero.
            if n & 0x3 != 0 {
                return None;
            }
            out.extend_from_slice(&[(n >> 10) as u8, (n >> 2) as u8]);
        }
        _ => return None,
    }
    Some(out)
}

/// Encodes without padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let symbol = |index: u32| char::from(ALPHABET.get(index as usize & 63).copied().unwrap_or(b'A'));
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, &byte) in chunk.iter().enumerate() {
            n |= u32::from(byte) << (16 - 8 * i);
        }
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            out.push(symbol(n >> (18 - 6 * i)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..40 {
            let slice = &bytes[..len];
            assert_eq!(decode(encode(slice).as_bytes()).as_deref(), Some(slice));
        }
    }

    #[test]
    fn rejects_non_canonical_forms() {
        assert_eq!(decode(b"Zg"), Some(b"f".to_vec()));
        assert_eq!(decode(b"Zh"), None, "non-zero trailing bits");
        assert_eq!(decode(b"Zm9"), None, "non-zero trailing bits");
        assert_eq!(decode(b"Zg=="), None, "padding");
        assert_eq!(decode(b"Z"), None, "impossible length");
        assert_eq!(decode(b"Zm9v+A"), None, "standard alphabet");
        assert_eq!(decode(b"Zm9v/A"), None, "standard alphabet");
        assert_eq!(decode(b"Zm9 v"), None, "whitespace");
        assert_eq!(decode(b"Zm9v\n"), None, "line break");
    }
}
