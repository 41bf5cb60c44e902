extension Schema {
    /// The records a bank's field staff keep: customers, interactions (visits,
    /// calls, messages), tasks (follow-ups, reminders) and holdings (products bought).
    public static let `default` = Schema(version: 1, tables: [customers, interactions, tasks, holdings])

    static let customers = TableSchema(
        name: "customers",
        summary: "A customer's file: profile, contact details, and the manager who owns it.",
        columns: [
            ColumnSchema("owner", .manager, required: true, "the manager the customer is assigned to"),
            ColumnSchema("full_name", .text, required: true, "the customer's full name"),
            ColumnSchema("birth_date", .date, "date of birth"),
            ColumnSchema("phone", .text, "phone number"),
            ColumnSchema("email", .text, "email address"),
            ColumnSchema("street", .text, "street address"),
            ColumnSchema("city", .text, "city"),
            ColumnSchema("postal_code", .text, "postal code"),
            ColumnSchema("country", .text, "country"),
            ColumnSchema(
                "family_status", .enumeration(["single", "married", "partnered", "divorced", "widowed"]),
                "family situation"),
            ColumnSchema("dependents", .integer, "number of dependents"),
            ColumnSchema("occupation", .text, "occupation"),
            ColumnSchema("employer", .text, "employer or company"),
            ColumnSchema(
                "income_band",
                .enumeration(["under_25k", "25k_to_50k", "50k_to_100k", "100k_to_250k", "over_250k"]),
                "yearly income band"),
            ColumnSchema(
                "risk_profile", .enumeration(["conservative", "moderate", "balanced", "growth", "aggressive"]),
                "investment risk profile"),
            ColumnSchema("tier", .enumeration(["standard", "premium", "private"]), "customer tier"),
            ColumnSchema(
                "lifecycle_stage", .enumeration(["prospect", "onboarding", "active", "dormant", "former"]),
                "life-cycle stage"),
            ColumnSchema(
                "preferred_channel", .enumeration(["visit", "phone", "email", "message"]),
                "how the customer prefers to be contacted"),
            ColumnSchema("notes", .text, "free notes"),
        ],
        ownerColumn: "owner"
    )

    static let interactions = TableSchema(
        name: "interactions",
        summary: "A contact with a customer: a visit, call, message, email or event.",
        columns: [
            ColumnSchema("customer_id", .reference(table: "customers"), required: true, "the customer"),
            ColumnSchema(
                "channel", .enumeration(["visit", "call", "message", "email", "event"]), required: true,
                "how the contact happened"),
            ColumnSchema("occurred_at", .dateTime, required: true, "when it happened"),
            ColumnSchema("author", .manager, "the manager who logged it"),
            ColumnSchema("purpose", .text, "why the contact happened"),
            ColumnSchema("summary", .text, "what was said"),
            ColumnSchema(
                "outcome", .enumeration(["positive", "neutral", "negative", "no_answer"]), "how it went"),
            ColumnSchema("next_step", .text, "what happens next"),
            ColumnSchema("opportunity", .text, "a sales opportunity raised"),
            ColumnSchema(
                "opportunity_status", .enumeration(["open", "won", "lost"]), "where the opportunity stands"),
            ColumnSchema(
                "opportunity_amount", .money(currencyColumn: "opportunity_currency"),
                "the opportunity's size, in minor units"),
            ColumnSchema("opportunity_currency", .currency, "the opportunity's currency"),
        ],
        parentColumn: "customer_id"
    )

    static let tasks = TableSchema(
        name: "tasks",
        summary: "A follow-up or reminder about a customer.",
        columns: [
            ColumnSchema("customer_id", .reference(table: "customers"), required: true, "the customer"),
            ColumnSchema(
                "kind",
                .enumeration(["call_back", "birthday", "maturity", "complaint", "meeting", "document", "other"]),
                required: true, "what kind of follow-up"),
            ColumnSchema("title", .text, required: true, "what to do"),
            ColumnSchema("due_date", .date, required: true, "when it is due"),
            ColumnSchema(
                "status", .enumeration(["open", "done", "cancelled"]), required: true, "open, done or cancelled"),
            ColumnSchema("assignee", .manager, "the manager who should do it"),
            ColumnSchema("notes", .text, "free notes"),
        ],
        parentColumn: "customer_id"
    )

    static let holdings = TableSchema(
        name: "holdings",
        summary: "A product the customer bought.",
        columns: [
            ColumnSchema("customer_id", .reference(table: "customers"), required: true, "the customer"),
            ColumnSchema(
                "category",
                .enumeration([
                    "current_account", "savings", "term_deposit", "bond", "fund", "equity", "insurance",
                    "pension", "loan", "mortgage",
                ]), required: true, "product category"),
            ColumnSchema("product_name", .text, required: true, "the product's name"),
            ColumnSchema("amount", .money(currencyColumn: "currency"), required: true, "amount, in minor units"),
            ColumnSchema("currency", .currency, required: true, "ISO 4217 currency code"),
            ColumnSchema("start_date", .date, "when it was bought"),
            ColumnSchema("maturity_date", .date, "when it matures"),
            ColumnSchema("expected_yield_bps", .integer, "expected yield, in basis points (1/100 of a percent)"),
            ColumnSchema("stop_loss", .money(currencyColumn: "currency"), "stop-loss level, in minor units"),
            ColumnSchema("status", .enumeration(["active", "matured", "sold", "closed"]), "where it stands"),
        ],
        parentColumn: "customer_id"
    )
}
