//! Notices through Amazon SES's `SendTemplatedEmail`, from the template the stack deploys; a
//! notice can also be rendered (`TestRenderTemplate`) for `dev --aws-local`'s log.

use async_trait::async_trait;
use aws_sdk_ses::Client;
use aws_sdk_ses::error::DisplayErrorContext;
use aws_sdk_ses::types::Destination;

use super::{MailError, Mailer, NoticeData};

pub struct SesMailer {
    client: Client,
    sender: String,
    template: String,
}

impl SesMailer {
    pub fn new(client: Client, sender: impl Into<String>, template: impl Into<String>) -> Self {
        SesMailer {
            client,
            sender: sender.into(),
            template: template.into(),
        }
    }

    /// The subject and the plain-text body the template makes of `data`, as SES renders them.
    pub async fn render(&self, data: &NoticeData) -> Result<RenderedNotice, MailError> {
        let rendered = self
            .client
            .test_render_template()
            .template_name(&self.template)
            .template_data(template_data(data)?)
            .send()
            .await
            .map_err(|error| MailError(DisplayErrorContext(&error).to_string()))?;
        RenderedNotice::from_mime(rendered.rendered_template().unwrap_or_default())
            .ok_or_else(|| MailError("the rendered template has no subject or text part".into()))
    }
}

/// What a reader of the notice sees first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedNotice {
    pub subject: String,
    pub text: String,
}

impl RenderedNotice {
    /// The `Subject:` header and the `text/plain` part of a rendered (MIME) message whose text
    /// is sent as it is (7 or 8 bit).
    fn from_mime(message: &str) -> Option<RenderedNotice> {
        let message = message.replace("\r\n", "\n");
        let subject = message
            .lines()
            .find_map(|line| line.strip_prefix("Subject: "))?
            .to_owned();
        let (_, part) = message.split_once("Content-Type: text/plain")?;
        let (_, body) = part.split_once("\n\n")?;
        let text = body
            .lines()
            .take_while(|line| !line.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        Some(RenderedNotice {
            subject,
            text: text.trim_end().to_owned(),
        })
    }
}

fn template_data(data: &NoticeData) -> Result<String, MailError> {
    serde_json::to_string(data).map_err(|error| MailError(error.to_string()))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, to: &str, data: &NoticeData) -> Result<String, MailError> {
        let sent = self
            .client
            .send_templated_email()
            .source(&self.sender)
            .destination(Destination::builder().to_addresses(to).build())
            .template(&self.template)
            .template_data(template_data(data)?)
            .send()
            .await
            .map_err(|error| MailError(DisplayErrorContext(&error).to_string()))?;
        Ok(sent.message_id().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_and_text_are_read_from_a_rendered_message() {
        let mime = "Date: 2026-12-02T18:40:05\r\nSubject: Support reset your sign-in methods\r\n\
            Content-Type: multipart/alternative; boundary=\"===b==\"\r\nMIME-Version: 1.0\r\n\r\n\
            --===b==\r\nContent-Type: text/plain;charset=UTF-8\r\nMIME-Version: 1.0\r\n\
            Content-Transfer-Encoding: 7bit\r\n\r\nSupport reset your sign-in methods\r\n\r\n\
            If this wasn't you, sign in now.\r\n\r\n--===b==\r\nContent-Type: text/html;charset=UTF-8\r\n\r\n<p>x</p>\r\n--===b==--";
        assert_eq!(
            RenderedNotice::from_mime(mime),
            Some(RenderedNotice {
                subject: "Support reset your sign-in methods".into(),
                text: "Support reset your sign-in methods\n\nIf this wasn't you, sign in now."
                    .into(),
            })
        );
        assert_eq!(RenderedNotice::from_mime("no headers"), None);
    }
}
