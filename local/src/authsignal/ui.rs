//! The emulator's stand-in for Authsignal's pre-built UI: one page that runs an email OTP
//! challenge through the Client API with the link's token and hands the validation token back
//! the way the real page does (popup: `postMessage` to the opener; redirect: `?token=`).

use serde_json::json;

use super::store::UiView;

pub struct Page<'a> {
    pub view: &'a UiView,
    pub token: &'a str,
    /// `mode=popup`: the page runs in `@authsignal/browser`'s popup (an iframe).
    pub popup: bool,
    /// `screen=settings`: the settings link from `redirectToSettings`.
    pub settings: bool,
    /// Where a popup may post the token; other openers get nothing.
    pub app_origins: &'a [String],
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Page<'_> {
    pub fn render(&self) -> String {
        let view = self.view;
        let heading = if self.settings {
            "Authenticator settings"
        } else {
            "Confirm it's you"
        };
        // A page of its own (not the popup, which closes itself) links back to the app; only a
        // web address becomes a link: a `javascript:` URL in the action would run here.
        let back_to_app = view
            .redirect_url
            .as_deref()
            .filter(|url| {
                !self.popup && (url.starts_with("https://") || url.starts_with("http://"))
            })
            .map(|url| {
                format!(
                    r#"<p><a href="{}" data-testid=prebuilt-back>Back to the app</a></p>"#,
                    escape(url)
                )
            })
            .unwrap_or_default();
        // JSON inside <script>: `<` is escaped so no value can close the element.
        let parameters = json!({
            "token": self.token,
            "popup": self.popup,
            "settings": self.settings,
            "redirectUrl": view.redirect_url,
            "appOrigins": self.app_origins,
        })
        .to_string()
        .replace('<', "\\u003c");
        format!(
            r#"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content="width=device-width, initial-scale=1">
<title>{heading} · Authsignal emulator</title><link rel=icon href="data:,">
<style>body{{font:16px system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1.5rem;color:#1b1f24;background:#fff}}code{{font-size:.85em;overflow-wrap:anywhere}}
input{{font-size:1.2rem;width:8ch;letter-spacing:.2em}}button{{font-size:1rem;margin-left:.5rem}}small{{color:#57606a}}a{{color:#0969da}}</style>
<main>
<h1>{heading}</h1>{back_to_app}
<form id=challenge hidden>
<p id=sent>Sending a code to your email…</p>
<input id=code data-testid=prebuilt-code autocomplete=one-time-code inputmode=numeric aria-label="Verification code">
<button data-testid=prebuilt-verify>Verify</button>
</form>
<p id=status role=status></p>
<p><small>Authsignal emulator, standing in for the pre-built UI: action <code>{action}</code>, state <code>{state}</code>, scopes <code>{scopes}</code>. Codes appear in <a href="../outbox" target=_blank>the outbox</a>.</small></p>
</main>
<script type=application/json id=parameters>{parameters}</script>
<script>
const p = JSON.parse(document.getElementById("parameters").textContent);
const api = (path, body) => fetch("v1/client/" + path, {{
  method: "POST",
  headers: {{ "Content-Type": "application/json", Authorization: "Bearer " + p.token }},
  body: JSON.stringify(body ?? {{}}),
}}).then((r) => r.json());
const say = (text) => {{ document.getElementById("status").textContent = text; }};
function finish(token) {{
  if (p.popup && window.parent !== window) {{
    const message = JSON.stringify({{ event: "AUTHSIGNAL_CLOSE_POPUP", token }});
    for (const origin of p.appOrigins) window.parent.postMessage(message, origin);
  }} else if (p.redirectUrl) {{
    const url = new URL(p.redirectUrl);
    url.searchParams.set("token", token);
    window.location.assign(url);
  }} else {{
    say("Verified. Close this page.");
  }}
}}
if (p.popup && window.parent !== window) {{
  for (const origin of p.appOrigins) window.parent.postMessage(JSON.stringify({{ event: "AUTHSIGNAL_READY" }}), origin);
}}
if (p.settings) {{
  say("This stand-in lists nothing: manage your sign-in methods on the app's Account security page.");
}} else {{
  const form = document.getElementById("challenge");
  api("challenge/email-otp").then((answer) => {{
    if (answer.error) {{ say(answer.errorDescription ?? answer.error); return; }}
    form.hidden = false;
    document.getElementById("sent").textContent = "We emailed you a code.";
    document.getElementById("code").focus();
  }});
  form.addEventListener("submit", async (event) => {{
    event.preventDefault();
    const answer = await api("verify/email-otp", {{ verificationCode: document.getElementById("code").value }});
    if (answer.isVerified) finish(answer.accessToken);
    else say(answer.failureReason === "MAX_ATTEMPTS_EXCEEDED" ? "Too many wrong codes." : answer.errorDescription ?? "Wrong code, try again.");
  }});
}}
</script>
"#,
            action = escape(&view.action),
            state = escape(&view.state),
            scopes = escape(&view.scopes.join(" ")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_page(redirect_url: &str) -> String {
        render_page(redirect_url, false)
    }

    fn render_page(redirect_url: &str, popup: bool) -> String {
        let view = UiView {
            action: "manageAuthenticators".into(),
            state: "CHALLENGE_REQUIRED".into(),
            scopes: vec!["manage:authenticators".into()],
            redirect_url: Some(redirect_url.into()),
        };
        Page {
            view: &view,
            token: "t",
            popup,
            settings: true,
            app_origins: &[],
        }
        .render()
    }

    #[test]
    fn the_way_back_links_only_to_a_web_address_and_not_from_the_popup() {
        let page = settings_page("http://localhost:3000/?a=1&b=\"2\"");
        assert!(
            page.contains(r#"<a href="http://localhost:3000/?a=1&amp;b=&quot;2&quot;" data-testid=prebuilt-back>Back to the app</a>"#),
            "{page}"
        );
        assert!(!render_page("http://localhost:3000/", true).contains("prebuilt-back"));
        for script in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
        ] {
            assert!(!settings_page(script).contains("prebuilt-back"), "{script}");
        }
    }
}
