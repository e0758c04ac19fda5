//! Pre sign-up: confirms the user at once (there is no Cognito code to confirm with; Authsignal
//! proves the email or phone at the first sign-in), and marks the email and phone as verified
//! only when the attribute exists, because Cognito rejects the flags otherwise.

use super::PreSignUpEvent;

/// The trigger.
pub fn pre_sign_up(mut event: PreSignUpEvent) -> PreSignUpEvent {
    let has = |name: &str| {
        event
            .request
            .user_attributes
            .get(name)
            .is_some_and(|value| !value.is_empty())
    };
    let (email, phone) = (has("email"), has("phone_number"));
    event.response.auto_confirm_user = true;
    event.response.auto_verify_email = email;
    event.response.auto_verify_phone = phone;
    tracing::info!(email, phone, "sign-up auto-confirmed");
    event
}
