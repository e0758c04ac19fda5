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
        let redirect = view
            .redirect_url
            .as_deref()
            .map(|url| format!("<p>Returns to <code>{}</code>.</p>", escape(url)))
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
            r#"<!doctype html><meta charset=utf-8><title>Authsignal emulator</title><link rel=icon href="data:,">
<style>body{{font:16px system-ui,sans-serif;margin:0;padding:1.5rem;color:#1b1f24;background:#fff}}code{{font-size:.85em}}
input{{font-size:1.2rem;width:8ch;letter-spacing:.2em}}button{{font-size:1rem;margin-left:.5rem}}</style>
<h1>{heading}</h1>
<p>Authsignal emulator (pre-built UI stand-in). Action <code>{action}</code>, state <code>{state}</code>, scopes <code>{scopes}</code>.</p>{redirect}
<form id=challenge hidden>
<p id=sent>Sending a code to your email…</p>
<input id=code data-testid=prebuilt-code autocomplete=one-time-code inputmode=numeric aria-label="Verification code">
<button data-testid=prebuilt-verify>Verify</button>
</form>
<p id=status role=status></p>
<p><small>Codes appear in <a href="../outbox" target=_blank>the outbox</a>.</small></p>
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
  say("Manage your authenticators from the app's Account security page; this stand-in lists nothing.");
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
