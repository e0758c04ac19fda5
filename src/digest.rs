//! SHA-256, the one hash the service keeps instead of a secret: a verified access token's cache
//! key, a step-up challenge's single-use key and the key of a user's last sign-out.

use aws_lc_rs::digest::{Context, SHA256};

/// The SHA-256 of `parts`, each prefixed with its length so that no two different lists of parts
/// hash the same input (`["ab", "c"]` and `["a", "bc"]` differ).
pub fn sha256_of_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut context = Context::new(&SHA256);
    for part in parts {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(context.finish().as_ref());
    bytes
}

/// Lowercase hex of `bytes`, as digests are stored.
pub fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_not_concatenated() {
        assert_ne!(
            sha256_of_parts(&[b"ab", b"c"]),
            sha256_of_parts(&[b"a", b"bc"])
        );
        assert_ne!(sha256_of_parts(&[b"abc"]), sha256_of_parts(&[b"ab", b"c"]));
        assert_eq!(sha256_of_parts(&[b"abc"]), sha256_of_parts(&[b"abc"]));
    }
}
