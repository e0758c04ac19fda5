//! Pre sign-up: confirms the user at once (there is no Cognito code to confirm with) and marks
//! no contact verified. The email or phone number is proved at the first sign-in, by the
//! Authsignal challenge, and only then does Verify mark it verified: an ID token never says
//! `email_verified: true` for an address nobody proved.

use super::PreSignUpEvent;

/// The trigger.
pub fn pre_sign_up(mut event: PreSignUpEvent) -> PreSignUpEvent {
    event.response.auto_confirm_user = true;
    event.response.auto_verify_email = false;
    event.response.auto_verify_phone = false;
    tracing::info!("sign-up auto-confirmed; contacts stay unverified until proved");
    event
}
