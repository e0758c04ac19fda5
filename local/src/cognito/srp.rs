//! The server half of Cognito's SRP-6a (`USER_SRP_AUTH`, `CUSTOM_WITH_SRP`), as AWS's own clients
//! (Amplify, amazon-cognito-identity-js, the SDKs' helpers) compute the other half. This is not
//! textbook RFC 5054, which is why no SRP crate fits: every number is hashed in Cognito's
//! "padded hex" form (shortest even-length big-endian bytes, with a leading zero byte when the
//! top bit is set), `x` hashes the pool name with the user id, and the session key comes out of
//! HKDF-SHA256 (info `Caldera Derived Key`, 16 bytes) keyed by `u`. The client proves the key
//! with an HMAC over the pool name, user id, the server's secret block and a timestamp.
//!
//! Group: RFC 3526's 3072-bit MODP prime, generator 2.

use std::sync::LazyLock;

use aws_lc_rs::{digest, hkdf, hmac};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;

/// RFC 3526 §4, the 3072-bit MODP group.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const G: u32 = 2;
const DERIVED_KEY_INFO: &[u8] = b"Caldera Derived Key";
const DERIVED_KEY_LEN: usize = 16;
/// Longest `SRP_A` accepted: N is 768 hex digits.
const MAX_A_HEX: usize = 1024;

struct Group {
    n: BigUint,
    g: BigUint,
    /// `k = H(pad(N) | pad(g))`.
    k: BigUint,
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16)
        .unwrap_or_else(|| unreachable!("the RFC 3526 prime is valid hex"));
    let g = BigUint::from(G);
    let k = BigUint::from_bytes_be(&sha256(&[&padded(&n), &padded(&g)]));
    Group { n, g, k }
});

/// What the pool stores instead of a password: the salt and `v = g^x mod N`.
#[derive(Clone)]
pub struct PasswordVerifier {
    salt: BigUint,
    verifier: BigUint,
}

impl std::fmt::Debug for PasswordVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordVerifier(..)")
    }
}

impl PasswordVerifier {
    /// The verifier of `password` for `user_id_for_srp` in the pool named `pool_name` (the part
    /// of the pool id after `_`), with a fresh salt.
    pub fn new(pool_name: &str, user_id_for_srp: &str, password: &str) -> Self {
        let salt = BigUint::from_bytes_be(&random_bytes::<16>());
        let x = private_key(&salt, pool_name, user_id_for_srp, password);
        let verifier = GROUP.g.modpow(&x, &GROUP.n);
        PasswordVerifier { salt, verifier }
    }

    /// A verifier no password matches: for users created without one.
    pub fn random(pool_name: &str) -> Self {
        let password = STANDARD.encode(random_bytes::<32>());
        PasswordVerifier::new(pool_name, "", &password)
    }

    /// Answers the client's `SRP_A` with a challenge; `None` when `A` is not a valid group element
    /// (`A mod N = 0`, or not hex).
    pub fn challenge(&self, srp_a_hex: &str) -> Option<ServerChallenge> {
        let group = &*GROUP;
        if srp_a_hex.is_empty() || srp_a_hex.len() > MAX_A_HEX {
            return None;
        }
        let a = BigUint::parse_bytes(srp_a_hex.as_bytes(), 16)?;
        if (&a % &group.n) == BigUint::ZERO {
            return None;
        }
        let b = BigUint::from_bytes_be(&random_bytes::<128>());
        let big_b = (&group.k * &self.verifier + group.g.modpow(&b, &group.n)) % &group.n;
        let u = BigUint::from_bytes_be(&sha256(&[&padded(&a), &padded(&big_b)]));
        if u == BigUint::ZERO {
            return None;
        }
        // S = (A · v^u)^b mod N
        let s = (a * self.verifier.modpow(&u, &group.n)).modpow(&b, &group.n);
        let key = derive_key(&s, &u);
        Some(ServerChallenge {
            salt_hex: self.salt.to_str_radix(16),
            srp_b_hex: big_b.to_str_radix(16),
            secret_block: random_bytes::<64>().to_vec(),
            key,
        })
    }
}

/// One `PASSWORD_VERIFIER` round: what the client is sent, and the key its proof must use.
#[derive(Clone)]
pub struct ServerChallenge {
    pub salt_hex: String,
    pub srp_b_hex: String,
    secret_block: Vec<u8>,
    key: [u8; DERIVED_KEY_LEN],
}

impl std::fmt::Debug for ServerChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerChallenge(..)")
    }
}

/// The client's `PASSWORD_VERIFIER` answer.
pub struct PasswordClaim<'a> {
    pub secret_block_b64: &'a str,
    pub timestamp: &'a str,
    pub signature_b64: &'a str,
}

impl ServerChallenge {
    /// `SECRET_BLOCK` as the client gets it.
    pub fn secret_block_b64(&self) -> String {
        STANDARD.encode(&self.secret_block)
    }

    /// True when the claim proves the password: it returns our secret block, and its signature is
    /// `HMAC(key, pool name | user id | secret block | timestamp)`.
    pub fn accepts(&self, pool_name: &str, user_id_for_srp: &str, claim: &PasswordClaim) -> bool {
        let (Ok(secret_block), Ok(signature)) = (
            STANDARD.decode(claim.secret_block_b64),
            STANDARD.decode(claim.signature_b64),
        ) else {
            return false;
        };
        if secret_block != self.secret_block || claim.timestamp.is_empty() {
            return false;
        }
        let message = [
            pool_name.as_bytes(),
            user_id_for_srp.as_bytes(),
            &secret_block,
            claim.timestamp.as_bytes(),
        ]
        .concat();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.key);
        hmac::verify(&key, &message, &signature).is_ok()
    }
}

/// `x = H(pad(salt) | H(poolName | userId | ":" | password))`.
fn private_key(salt: &BigUint, pool_name: &str, user_id: &str, password: &str) -> BigUint {
    let identity = sha256(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    BigUint::from_bytes_be(&sha256(&[&padded(salt), &identity]))
}

/// HKDF-SHA256 with `pad(u)` as salt and `pad(S)` as input key material.
fn derive_key(s: &BigUint, u: &BigUint) -> [u8; DERIVED_KEY_LEN] {
    struct Len;
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            DERIVED_KEY_LEN
        }
    }
    let mut key = [0u8; DERIVED_KEY_LEN];
    hkdf::Salt::new(hkdf::HKDF_SHA256, &padded(u))
        .extract(&padded(s))
        .expand(&[DERIVED_KEY_INFO], Len)
        .and_then(|okm| okm.fill(&mut key))
        .unwrap_or_else(|_| unreachable!("16 bytes is a valid HKDF-SHA256 length"));
    key
}

/// Cognito's padded hex form, as bytes: big-endian, shortest, a zero byte in front when the top
/// bit is set (so the number never reads as negative).
fn padded(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(part);
    }
    context.finish().as_ref().to_vec()
}

fn random_bytes<const LEN: usize>() -> [u8; LEN] {
    let mut bytes = [0u8; LEN];
    aws_lc_rs::rand::fill(&mut bytes)
        .unwrap_or_else(|_| panic!("the system random generator is unavailable"));
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client half, formula by formula as Amplify's `AuthenticationHelper` computes it, so
    /// the two halves are checked against each other here and against Amplify itself in
    /// `tests/node`.
    fn client_claim(
        challenge: &ServerChallenge,
        a: &BigUint,
        pool_name: &str,
        user_id: &str,
        password: &str,
        timestamp: &str,
    ) -> String {
        let group = &*GROUP;
        let big_a = group.g.modpow(a, &group.n);
        let big_b = BigUint::parse_bytes(challenge.srp_b_hex.as_bytes(), 16).unwrap();
        let salt = BigUint::parse_bytes(challenge.salt_hex.as_bytes(), 16).unwrap();
        let u = BigUint::from_bytes_be(&sha256(&[&padded(&big_a), &padded(&big_b)]));
        let x = private_key(&salt, pool_name, user_id, password);
        // S = (B - k·g^x)^(a + u·x) mod N, kept non-negative.
        let g_x = group.g.modpow(&x, &group.n);
        let base = (&big_b + &group.n - (&group.k * g_x) % &group.n) % &group.n;
        let s = base.modpow(&(a + &u * &x), &group.n);
        let key = derive_key(&s, &u);
        let message = [
            pool_name.as_bytes(),
            user_id.as_bytes(),
            &challenge.secret_block,
            timestamp.as_bytes(),
        ]
        .concat();
        STANDARD.encode(hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &key),
            &message,
        ))
    }

    fn sign_in(stored: &PasswordVerifier, user_id: &str, password: &str) -> bool {
        let a = BigUint::from_bytes_be(&random_bytes::<128>());
        let big_a = GROUP.g.modpow(&a, &GROUP.n);
        let challenge = stored.challenge(&big_a.to_str_radix(16)).unwrap();
        let timestamp = "Tue Dec 1 13:15:13 UTC 2026";
        let signature = client_claim(&challenge, &a, "Pool", user_id, password, timestamp);
        challenge.accepts(
            "Pool",
            user_id,
            &PasswordClaim {
                secret_block_b64: &challenge.secret_block_b64(),
                timestamp,
                signature_b64: &signature,
            },
        )
    }

    #[test]
    fn the_right_password_is_proved_and_a_wrong_one_is_not() {
        let stored = PasswordVerifier::new("Pool", "alice", "Passw0rd!");
        assert!(sign_in(&stored, "alice", "Passw0rd!"));
        assert!(!sign_in(&stored, "alice", "Passw0rd?"));
        assert!(!sign_in(&stored, "bob", "Passw0rd!"));
        assert!(!sign_in(&PasswordVerifier::random("Pool"), "", ""));
    }

    #[test]
    fn a_claim_is_bound_to_its_secret_block_and_timestamp() {
        let stored = PasswordVerifier::new("Pool", "alice", "Passw0rd!");
        let a = BigUint::from(12345u32);
        let big_a = GROUP.g.modpow(&a, &GROUP.n);
        let challenge = stored.challenge(&big_a.to_str_radix(16)).unwrap();
        let signature = client_claim(&challenge, &a, "Pool", "alice", "Passw0rd!", "t1");
        let claim = |block: &str, timestamp: &'static str| {
            challenge.accepts(
                "Pool",
                "alice",
                &PasswordClaim {
                    secret_block_b64: block,
                    timestamp,
                    signature_b64: &signature,
                },
            )
        };
        let block = challenge.secret_block_b64();
        assert!(claim(&block, "t1"));
        assert!(!claim(&block, "t2"));
        assert!(!claim(&STANDARD.encode([0u8; 64]), "t1"));
        assert!(!claim("not base64!", "t1"));
    }

    #[test]
    fn invalid_client_values_are_refused() {
        let stored = PasswordVerifier::new("Pool", "alice", "Passw0rd!");
        assert!(stored.challenge("0").is_none());
        assert!(stored.challenge(&GROUP.n.to_str_radix(16)).is_none());
        assert!(stored.challenge("xyz").is_none());
        assert!(stored.challenge("").is_none());
        assert!(stored.challenge(&"f".repeat(MAX_A_HEX + 1)).is_none());
    }

    #[test]
    fn padding_follows_cognito() {
        assert_eq!(padded(&BigUint::from(0x7fu32)), vec![0x7f]);
        assert_eq!(padded(&BigUint::from(0x80u32)), vec![0, 0x80]);
        assert_eq!(padded(&BigUint::from(0x1234u32)), vec![0x12, 0x34]);
        assert_eq!(padded(&BigUint::ZERO), vec![0]);
    }
}
