//! The page route the stack made: its subscriptions on the page topic. SNS drops a page it has no
//! confirmed subscriber for, and reports it only as one period's datapoint (`pages-undelivered`,
//! which clears itself): after publishing pages, the notifier asks whether each subscription is
//! still there, and fails the invocation when one is not, so the notice is retried and then kept
//! in the dead-letter queue, whose alarm holds until someone looks.

use trustcheck_aws::AwsError;

/// The subscriptions the stack made on the page topic (`PAGER_FUNCTION_ARN`, `PAGE_ROUTE_HTTPS`);
/// none known: not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRoutes {
    /// The pager function's ARN, the endpoint of its `lambda` subscription.
    pub pager_function_arn: Option<String>,
    /// An `https` subscription to PagerDuty's Events API. Its endpoint holds the integration key,
    /// which the notifier is not given: any confirmed `https` subscription counts.
    pub https: bool,
}

impl PageRoutes {
    pub fn is_known(&self) -> bool {
        self.pager_function_arn.is_some() || self.https
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
    let confirmed = |s: &&Subscription| s.arn.starts_with("arn:");
    let mut missing = Vec::new();
    if let Some(pager) = &routes.pager_function_arn {
        let found = (subscriptions.iter().filter(confirmed)).any(|s| s.protocol == "lambda" && s.endpoint == *pager);
        if !found {
            missing.push("the pager function's subscription");
        }
    }
    if routes.https && !(subscriptions.iter().filter(confirmed)).any(|s| s.protocol == "https") {
        missing.push("the PagerDuty HTTPS subscription");
    }
    missing
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

    fn sub(protocol: &str, endpoint: &str, arn: &str) -> Subscription {
        Subscription {
            protocol: protocol.into(),
            endpoint: endpoint.into(),
            arn: arn.into(),
        }
    }

    #[test]
    fn a_route_is_missing_when_removed_unconfirmed_or_another_function_s() {
        let both = PageRoutes {
            pager_function_arn: Some(PAGER.into()),
            https: true,
        };
        let pager = sub("lambda", PAGER, "arn:aws:sns:us-east-1:123456789012:page:1");
        let https = sub(
            "https",
            "https://events.pagerduty.com/x",
            "arn:aws:sns:us-east-1:123456789012:page:2",
        );
        assert!(missing(&both, &[pager.clone(), https.clone()]).is_empty());
        assert_eq!(
            missing(&both, std::slice::from_ref(&https)),
            ["the pager function's subscription"]
        );
        assert_eq!(
            missing(&both, std::slice::from_ref(&pager)),
            ["the PagerDuty HTTPS subscription"]
        );
        let pending = sub("https", "https://events.pagerduty.com/x", "PendingConfirmation");
        assert_eq!(
            missing(&both, &[pager.clone(), pending]),
            ["the PagerDuty HTTPS subscription"]
        );
        let other = sub(
            "lambda",
            "arn:aws:lambda:us-east-1:123456789012:function:other",
            "arn:aws:sns:x:1:page:3",
        );
        assert_eq!(missing(&both, &[other, https]).len(), 1);
        assert_eq!(missing(&both, &[]).len(), 2);
        // Subscriptions of one's own don't stand in for the stack's, and none known checks nothing.
        let mine = sub(
            "sqs",
            "arn:aws:sqs:us-east-1:123456789012:mine",
            "arn:aws:sns:x:1:page:4",
        );
        assert_eq!(missing(&both, &[mine]).len(), 2);
        assert!(missing(&PageRoutes::default(), &[]).is_empty());
        assert!(!PageRoutes::default().is_known());
    }
}
