//! Passkey providers by AAGUID, from a bundled copy of the community list (see
//! `passkey_providers.NOTICE`): the name and logo a user recognises ("Google Password
//! Manager") when Authsignal has not named the passkey itself.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// `passkey_providers.json`, written by `make passkey-providers`.
#[derive(Debug, Default, Deserialize)]
struct ProviderList {
    /// Logos as `data:` URLs, by file name (many keys of one maker share one).
    icons: HashMap<String, String>,
    providers: HashMap<String, ListedProvider>,
}

#[derive(Debug, Deserialize)]
struct ListedProvider {
    name: String,
    icon: Option<String>,
}

/// Parsed on first use, by the routes that list authenticators only.
static LIST: LazyLock<ProviderList> = LazyLock::new(|| {
    serde_json::from_str(include_str!("passkey_providers.json")).unwrap_or_else(|error| {
        // A test parses the same file, so this is never reached by a built binary.
        tracing::error!(%error, "the bundled passkey provider list does not parse");
        ProviderList::default()
    })
});

/// A passkey provider: its name and, when the list has one, its logo as a `data:` URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasskeyProvider {
    pub name: &'static str,
    pub icon: Option<&'static str>,
}

/// The provider of passkeys with this AAGUID (any case), if the list knows it. The all-zero
/// AAGUID, which authenticators send when they do not say, is nobody's.
pub fn provider(aaguid: &str) -> Option<PasskeyProvider> {
    let list = &*LIST;
    let listed = list.providers.get(aaguid.to_ascii_lowercase().as_str())?;
    Some(PasskeyProvider {
        name: &listed.name,
        icon: listed
            .icon
            .as_ref()
            .and_then(|file| list.icons.get(file))
            .map(String::as_str),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_parses_and_names_the_common_providers() {
        let list: ProviderList =
            serde_json::from_str(include_str!("passkey_providers.json")).unwrap();
        assert!(list.providers.len() > 300, "{}", list.providers.len());
        // Every logo a provider names is in the file.
        for listed in list.providers.values() {
            if let Some(icon) = &listed.icon {
                assert!(list.icons[icon].starts_with("data:image/svg+xml;base64,"));
            }
        }
        let apple = provider("FBFC3007-154E-4ECC-8C0B-6E020557D7BD").unwrap();
        assert_eq!(apple.name, "Apple Passwords");
        assert!(
            apple
                .icon
                .unwrap()
                .starts_with("data:image/svg+xml;base64,")
        );
        let google = provider("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").unwrap();
        assert_eq!(google.name, "Google Password Manager");
    }

    #[test]
    fn unknown_and_unspecified_aaguids_have_no_provider() {
        assert_eq!(provider("00000000-0000-0000-0000-000000000000"), None);
        // Chromium's virtual authenticator.
        assert_eq!(provider("01020304-0506-0708-0102-030405060708"), None);
        assert_eq!(provider("not an aaguid"), None);
    }
}
