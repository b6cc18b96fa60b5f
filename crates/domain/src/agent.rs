//! The eight agent roles of the crew.

use crate::labels::labels;

labels! {
    /// An agent role; also the `model` name clients use on the OpenAI-compatible endpoint.
    pub enum AgentRole {
        Sales = "sales",
        SolutionArchitect = "solution_architect",
        ProjectManager = "project_manager",
        BusinessAnalyst = "business_analyst",
        TechnicalAccountManager = "technical_account_manager",
        CustomerSuccess = "customer_success",
        Collections = "collections",
        BusinessOperations = "business_operations",
    }
}

impl AgentRole {
    /// A human-readable title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Sales => "Sales (account executive)",
            Self::SolutionArchitect => "Solution Architect",
            Self::ProjectManager => "Project Manager",
            Self::BusinessAnalyst => "Business Analyst",
            Self::TechnicalAccountManager => "Technical Account Manager",
            Self::CustomerSuccess => "Customer Success",
            Self::Collections => "Collections",
            Self::BusinessOperations => "Business Operations",
        }
    }
}
