//! Readers: each turns one kind of input (a template, a Terraform plan, an account) into the roles
//! to evaluate, each with where it came from. Evaluating them is `scan`'s business.

pub(crate) mod account;
mod intrinsics;
pub(crate) mod template;
pub(crate) mod terraform;
pub(crate) mod yaml;

use std::path::Path;

use trustcheck::{FindingId, Role};

use crate::error::InputError;

/// The account a template or plan stands for when `--account-id` isn't given.
pub(crate) const PLACEHOLDER_ACCOUNT: &str = "123456789012";

/// How a role is named where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// A template's logical id.
    LogicalId,
    /// A Terraform resource address.
    Address,
    /// An IAM role name (an account audit).
    RoleName,
}

impl NameKind {
    /// The JSON key the name goes under.
    pub fn key(self) -> &'static str {
        match self {
            NameKind::LogicalId => "logical_id",
            NameKind::Address => "address",
            NameKind::RoleName => "name",
        }
    }
}

/// Where a role came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    /// The file it was read from; `None` for a live account.
    pub source: Option<String>,
    pub name: String,
    pub kind: NameKind,
    /// The line of the logical id in the template.
    pub line: Option<usize>,
    /// The role's real ARN, when the input knows it (not one made up for a template).
    pub arn: Option<String>,
}

/// Findings a template documents as accepted for one role (`Metadata: trustcheck: {skip, reason}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skip {
    pub ids: Vec<FindingId>,
    pub reason: String,
}

/// A role to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct RoleInput {
    pub origin: Origin,
    /// The trust policy as JSON text (intrinsics already resolved).
    pub document: String,
    pub role: Role,
    /// Tags as key and value (the keys are also in `role.tag_keys`): the exemption tag's value
    /// becomes part of the reason a role is skipped.
    pub tags: Vec<(String, String)>,
    pub skip: Option<Skip>,
    /// The line on which each statement of the trust policy starts, by statement index.
    pub statement_lines: Vec<usize>,
    /// What the reader could not resolve or had to assume for this role.
    pub notes: Vec<String>,
}

impl RoleInput {
    pub fn new(origin: Origin, document: String, role: Role) -> RoleInput {
        RoleInput {
            origin,
            document,
            role,
            tags: Vec::new(),
            skip: None,
            statement_lines: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn with_tags(mut self, tags: Vec<(String, String)>) -> RoleInput {
        self.role.tag_keys = tags.iter().map(|(k, _)| k.clone()).collect();
        self.tags = tags;
        self
    }
}

/// The roles one input holds, and notes about the input as a whole.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    pub roles: Vec<RoleInput>,
    pub notes: Vec<String>,
}

impl Scanned {
    pub fn extend(&mut self, other: Scanned) {
        self.roles.extend(other.roles);
        for note in other.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }
}

/// What a template or plan alone doesn't say about where it will be deployed.
#[derive(Debug, Clone, Default)]
pub(crate) struct StackOptions {
    pub account_id: Option<String>,
    pub region: String,
    /// `--parameter NAME=VALUE`: template parameters.
    pub parameters: Vec<(String, String)>,
}

impl StackOptions {
    /// The deployment account; the placeholder, noted once, when it isn't given.
    pub fn account(&self, notes: &mut Vec<String>) -> String {
        if let Some(account) = &self.account_id {
            return account.clone();
        }
        let note = format!(
            "the account is not given: {PLACEHOLDER_ACCOUNT} stands in for it (AWS::AccountId, role and function ARNs); pass --account-id"
        );
        if !notes.contains(&note) {
            notes.push(note);
        }
        PLACEHOLDER_ACCOUNT.to_owned()
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|source| InputError::Read {
        path: path.display().to_string(),
        source,
    })
}
