//! An RSA key pair generated in memory, for the local token issuer and for tests that sign
//! their own tokens. Nothing here is used to verify production tokens.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _, RsaEncoding};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// Which RSA signature scheme to sign with (tests also need the ones the verifier refuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaScheme {
    Rs256,
    Rs512,
    Ps256,
}

/// A freshly generated RSA-2048 signing key with a key id.
pub struct SigningKey {
    kid: String,
    key_pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new key. Takes tens of milliseconds; do it once per process or test.
    pub fn generate(kid: impl Into<String>) -> Self {
        let key_pair = KeyPair::generate(KeySize::Rsa2048)
            .unwrap_or_else(|_| panic!("RSA key generation is unavailable on this platform"));
        SigningKey {
            kid: kid.into(),
            key_pair,
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half as a JWK, shaped like the ones in Cognito's JWKS.
    pub fn public_jwk(&self) -> Value {
        let components = PublicKeyComponents::<Vec<u8>>::from(self.key_pair.public_key());
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(&components.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&components.n),
            "use": "sig",
        })
    }

    /// A JWKS document holding only this key.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk()] })
    }

    /// The public key as X.509 SubjectPublicKeyInfo DER, the bytes a PEM file would carry.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.key_pair
            .public_key()
            .as_der()
            .map(|der| der.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// Signs `message` and returns the raw signature.
    pub fn sign(&self, scheme: RsaScheme, message: &[u8]) -> Vec<u8> {
        let encoding: &'static dyn RsaEncoding = match scheme {
            RsaScheme::Rs256 => &signature::RSA_PKCS1_SHA256,
            RsaScheme::Rs512 => &signature::RSA_PKCS1_SHA512,
            RsaScheme::Ps256 => &signature::RSA_PSS_SHA256,
        };
        let mut signature = vec![0; self.key_pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key_pair
            .sign(encoding, &rng, message, &mut signature)
            .unwrap_or_else(|_| panic!("RSA signing failed with a freshly generated key"));
        signature
    }

    /// A compact JWS over the given header and claims, signed with `scheme`.
    pub fn sign_jwt_with(&self, scheme: RsaScheme, header: &Value, claims: &Value) -> String {
        let signing_input = format!("{}.{}", b64_json(header), b64_json(claims));
        let signature = self.sign(scheme, signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// An RS256 token with the header Cognito uses (`kid`, `alg`).
    pub fn sign_jwt(&self, claims: &Value) -> String {
        let header = json!({ "kid": self.kid, "alg": "RS256" });
        self.sign_jwt_with(RsaScheme::Rs256, &header, claims)
    }
}

/// base64url (no padding) of a JSON value's compact serialisation.
pub fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}
