//! The page route the stack made: its subscriptions on the page topic. SNS drops a page it has no
//! confirmed subscriber for, and reports it only as one period's datapoint (`pages-undelivered`):
//! after publishing pages, the notifier asks whether each subscription is still there, and fails
//! the invocation when one is not, so the notice is retried and then kept in the dead-letter
//! queue, whose alarm holds until someone looks.

use trustcheck_aws::AwsError;

/// The subscriptions the stack made on the page topic (`PAGER_FUNCTION_ARN`,
/// `PAGE_ROUTE_HTTPS_HOST`); none known: not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRoutes {
    /// The pager function's ARN, the endpoint of its `lambda` subscription.
    pub pager_function_arn: Option<String>,
    /// The host of the `https` subscription to PagerDuty (`events.pagerduty.com`): the endpoint's
    /// path holds the integration key, which the notifier's environment doesn't.
    pub https_host: Option<String>,
}

impl PageRoutes {
    pub fn is_known(&self) -> bool {
        self.pager_function_arn.is_some() || self.https_host.is_some()
    }
}

/// A subscription of the page topic as `ListSubscriptionsByTopic` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub protocol: String,
    pub endpoint: String,
    /// `PendingConfirmation` until the endpoint confirms it.
    pub arn: String,
}

/// Which of `routes` the topic's `subscriptions` lack: removed, or not confirmed.
pub fn missing(routes: &PageRoutes, subscriptions: &[Subscription]) -> Vec<&'static str> {
    let confirmed = || subscriptions.iter().filter(|s| s.arn.starts_with("arn:"));
    let mut missing = Vec::new();
    if let Some(pager) = &routes.pager_function_arn {
        // Made again by hand, a subscription may name a version or alias of the function.
        let invokes_pager = |s: &Subscription| {
            (s.endpoint.strip_prefix(pager.as_str())).is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
        };
        if !confirmed().any(|s| s.protocol == "lambda" && invokes_pager(s)) {
            missing.push("the pager function's subscription");
        }
    }
    if let Some(host) = &routes.https_host {
        // Another HTTPS subscriber of the topic (a chat webhook) doesn't stand in for PagerDuty.
        let is_pagerduty = |s: &Subscription| endpoint_host(&s.endpoint).is_some_and(|h| h.eq_ignore_ascii_case(host));
        if !confirmed().any(|s| s.protocol == "https" && is_pagerduty(s)) {
            missing.push("the PagerDuty HTTPS subscription");
        }
    }
    missing
}

/// The host of an `https://HOST/…` endpoint, as the stacks take it from the endpoint they
/// subscribe (its third part split on `/`).
pub fn endpoint_host(endpoint: &str) -> Option<&str> {
    endpoint.split('/').nth(2).filter(|host| !host.is_empty())
}

/// Every subscription of `topic_arn`, page by page.
pub async fn subscriptions(sns: &aws_sdk_sns::Client, topic_arn: &str) -> Result<Vec<Subscription>, AwsError> {
    let mut listed = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = sns
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn)
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|e| AwsError::new("sns:ListSubscriptionsByTopic", e))?;
        listed.extend(page.subscriptions().iter().map(|s| Subscription {
            protocol: s.protocol().unwrap_or_default().to_owned(),
            endpoint: s.endpoint().unwrap_or_default().to_owned(),
            arn: s.subscription_arn().unwrap_or_default().to_owned(),
        }));
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
            _ => return Ok(listed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGER: &str = "arn:aws:lambda:us-east-1:123456789012:function:trustcheck-pager";
    const PAGERDUTY: &str = "https://events.pagerduty.com/integration/KEY/enqueue";

    fn sub(protocol: &str, endpoint: &str, arn: &str) -> Subscription {
        Subscription {
            protocol: protocol.into(),
            endpoint: endpoint.into(),
            arn: arn.into(),
        }
    }

    #[test]
    fn a_route_is_missing_when_removed_unconfirmed_or_another_s() {
        let both = PageRoutes {
            pager_function_arn: Some(PAGER.into()),
            https_host: Some("events.pagerduty.com".into()),
        };
        let pager = sub("lambda", PAGER, "arn:aws:sns:us-east-1:123456789012:page:1");
        let https = sub("https", PAGERDUTY, "arn:aws:sns:us-east-1:123456789012:page:2");
        assert!(missing(&both, &[pager.clone(), https.clone()]).is_empty());
        let pager_missing = ["the pager function's subscription"];
        let https_missing = ["the PagerDuty HTTPS subscription"];
        assert_eq!(missing(&both, std::slice::from_ref(&https)), pager_missing);
        assert_eq!(missing(&both, std::slice::from_ref(&pager)), https_missing);
        let pending = sub("https", PAGERDUTY, "PendingConfirmation");
        assert_eq!(missing(&both, &[pager.clone(), pending]), https_missing);
        let other = sub(
            "lambda",
            "arn:aws:lambda:us-east-1:123456789012:function:other",
            "arn:sns:3",
        );
        assert_eq!(missing(&both, &[other, https.clone()]), pager_missing);
        assert_eq!(missing(&both, &[]).len(), 2);
        // Made again by hand with an alias, it still invokes the pager; a longer name is another's.
        let alias = sub("lambda", &format!("{PAGER}:live"), "arn:sns:5");
        assert!(missing(&both, &[alias, https.clone()]).is_empty());
        let longer = sub("lambda", &format!("{PAGER}2"), "arn:sns:6");
        assert_eq!(missing(&both, &[longer, https]), pager_missing);
        // Another HTTPS subscriber (a chat webhook) is not PagerDuty, nor one's own queue.
        let webhook = sub("https", "https://hooks.example.com/services/T0/B0", "arn:sns:7");
        assert_eq!(missing(&both, &[pager.clone(), webhook]), https_missing);
        let mine = sub("sqs", "arn:aws:sqs:us-east-1:123456789012:mine", "arn:sns:4");
        assert_eq!(missing(&both, &[mine]).len(), 2);
        // None known checks nothing.
        assert!(missing(&PageRoutes::default(), &[]).is_empty());
        assert!(!PageRoutes::default().is_known());
        assert_eq!(endpoint_host(PAGERDUTY), Some("events.pagerduty.com"));
        assert_eq!(endpoint_host("no-url"), None);
    }
}
