//! Teams: what each role may do, in the console's server functions and in the REST API (the
//! permission table, cell by cell); removal and demotion taking effect on the next request;
//! the last admin; invitations; the activity log.

use bento_console::{
    domain::{time, AppError},
    server::db,
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{gateway::spawn_upstream, helpers::*};

/// The roles, in the order of the permission table's columns.
const ROLES: [&str; 3] = ["admin", "developer", "endpoint_user"];

const MEMBERS_ONLY: &str = "Only admins manage members and see the activity log.";
const DEPLOYMENTS_ONLY: &str = "Only admins and developers create, change or delete deployments.";
const DEVELOPER_TOKENS_ONLY: &str =
    "Only admins and developers create tokens with Developer (API) access; you can create User tokens.";
const ORGANIZATION_TOKENS_ONLY: &str = "Only admins create, edit or delete organization tokens.";
const TOKEN_NOT_FOUND: &str = "This API token does not exist; it may have been deleted.";
const WITHHELD: &str = "This token's Developer access is suspended: its owner's role no longer allows Developer \
                        tokens. An admin can change the role back; the token works again at once.";
const BAD_TOKEN: &str = "Bad credentials: the API token is invalid, expired or deleted.";
const LAST_ADMIN: &str = "This is the organization's last admin: make another member an admin first, so someone \
                          can still manage members.";
const INVITATION_REFUSED: &str = "This invitation link is invalid, has expired, was revoked or has already been \
                                  used. Ask an admin for a new one.";
const INVITATION_NOT_FOUND: &str = "This invitation is no longer pending: it was used, revoked or has expired.";

/// What a caller gets: the change is made (or the data shown), or refused with a status and
/// the message the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Refused(u16, String),
}

use Outcome::{Allowed, Refused};

/// What the table says: allowed, or 403 with `refusal`.
fn expected(allowed: bool, refusal: &str) -> Outcome {
    if allowed {
        Allowed
    } else {
        Refused(403, refusal.to_owned())
    }
}

/// The REST column: the endpoint user has no Developer token; the one she created while she
/// was a developer is refused, whatever it is used for.
fn expected_rest(role: &str, allowed: bool, refusal: &str) -> Outcome {
    if role == "endpoint_user" {
        Refused(403, WITHHELD.to_owned())
    } else {
        expected(allowed, refusal)
    }
}

/// A server function's answer as an [`Outcome`]: an error with the message the page shows
/// for it.
async fn console(response: reqwest::Response) -> Outcome {
    let status = response.status().as_u16();
    if status == 200 {
        return Allowed;
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let message = serde_json::from_value::<AppError>(body.clone()).map_or_else(|_| body.to_string(), |e| e.to_string());
    Refused(status, message)
}

/// A REST answer as an [`Outcome`].
fn rest((status, body): (u16, Value)) -> Outcome {
    match status {
        200 | 201 => Allowed,
        _ => Refused(status, body["error"].as_str().map_or_else(|| body.to_string(), str::to_owned)),
    }
}

async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{body}");
    body
}

/// A Protected deployment `summarize` in front of a fresh upstream: its id and the upstream's URL.
async fn protected_summarize(admin: &Browser) -> (String, String) {
    let upstream = format!("http://{}", spawn_upstream().await);
    assert_eq!(create_deployment(admin, "summarize", &upstream, "protected").await.status(), 200);
    (deployment_id(admin, "summarize").await, upstream)
}

async fn create_deployment(who: &Browser, name: &str, upstream: &str, access: &str) -> reqwest::Response {
    who.call(
        "create_deployment",
        &[("name", name), ("description", ""), ("upstream_url", upstream), ("access", access)],
    )
    .await
}

async fn update_deployment(
    who: &Browser,
    id: &str,
    upstream: &str,
    access: &str,
    description: &str,
) -> reqwest::Response {
    who.call(
        "update_deployment",
        &[("id", id), ("description", description), ("upstream_url", upstream), ("access", access)],
    )
    .await
}

/// The deployment named `name`, as `who` sees it in the list.
async fn deployment(who: &Browser, name: &str) -> Option<Value> {
    let list = ok_json(who.call("list_deployments", &[]).await).await;
    list["items"].as_array().unwrap().iter().find(|d| d["name"] == name).cloned()
}

async fn deployment_id(who: &Browser, name: &str) -> String {
    deployment(who, name).await.unwrap_or_else(|| panic!("{name} exists"))["id"].to_string()
}

/// Posts the console's New token form with `fields` (name, description, no expiration).
async fn create_token(who: &Browser, name: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![("name", name), ("description", ""), ("expiration", "never"), ("confirm_never", "on")];
    form.extend_from_slice(fields);
    who.call("create_api_token", &form).await
}

/// Creates a token; its secret and id.
async fn create_token_ok(who: &Browser, name: &str, fields: &[(&str, &str)]) -> (String, String) {
    let created = ok_json(create_token(who, name, fields).await).await;
    (created["secret"].as_str().unwrap().to_owned(), created["token"]["id"].to_string())
}

/// The tokens `who` sees in the list.
async fn tokens(who: &Browser) -> Vec<Value> {
    let page = ok_json(who.call("list_api_tokens", &[("search", ""), ("page", "1")]).await).await;
    page["items"].as_array().unwrap().clone()
}

async fn token_names(who: &Browser) -> Vec<String> {
    let mut names: Vec<String> = tokens(who).await.iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

async fn find_token(who: &Browser, id: &str) -> Value {
    ok_json(who.call("find_api_token", &[("id", id)]).await).await["token"].clone()
}

/// Members and pending invitations, as an admin sees them.
async fn members(admin: &Browser) -> Value {
    ok_json(admin.call("list_members", &[]).await).await
}

async fn member(admin: &Browser, email: &str) -> Option<Value> {
    members(admin).await["members"].as_array().unwrap().iter().find(|m| m["email"] == email).cloned()
}

async fn member_id(admin: &Browser, email: &str) -> String {
    member(admin, email).await.unwrap_or_else(|| panic!("{email} is a member"))["id"].to_string()
}

async fn pending_emails(admin: &Browser) -> Vec<String> {
    let list = members(admin).await;
    list["invitations"].as_array().unwrap().iter().map(|i| i["email"].as_str().unwrap().to_owned()).collect()
}

async fn set_role(who: &Browser, id: &str, role: &str) -> reqwest::Response {
    who.call("set_member_role", &[("id", id), ("role", role)]).await
}

/// The status the gateway answers a call to `deployment` with, with `token` as Bearer.
async fn gateway(app: &TestApp, deployment: &str, token: Option<&str>) -> u16 {
    let port = app.base_url.rsplit(':').next().unwrap();
    let mut request = reqwest::Client::new()
        .get(app.url("/echo"))
        .header("host", format!("{deployment}.mybentocloud.apps.localhost:{port}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status().as_u16()
}

/// `GET /api/v1/auth/current` with `token`: what any API call starts with.
async fn api_status(app: &TestApp, token: &str) -> (u16, Value) {
    app.api(token, Method::GET, "/api/v1/auth/current", None).await
}

/// An admin (who set the console up), a developer and an endpoint user, each signed in in a
/// browser of their own, each with a personal Developer token (the endpoint user's made while
/// she was still a developer), and a Protected deployment `summarize` on a real upstream.
struct Team {
    app: TestApp,
    upstream: String,
    /// In the order of [`ROLES`].
    browsers: Vec<Browser>,
    developer_tokens: Vec<String>,
    summarize: String,
}

impl Team {
    async fn new() -> Self {
        let app = spawn_app().await;
        assert_eq!(app.setup_admin().await.status(), 200);
        let admin = app.browser();
        let (summarize, upstream) = protected_summarize(&admin).await;
        let developer = app.as_member("Dev Eloper", "dev@example.com", "developer").await;
        let endpoint_user = app.as_member("Eve Endpoint", "eve@example.com", "developer").await;
        let browsers = vec![admin, developer, endpoint_user];
        let mut developer_tokens = Vec::new();
        for (browser, role) in browsers.iter().zip(ROLES) {
            developer_tokens.push(create_token_ok(browser, &format!("cli-{role}"), &[("developer", "on")]).await.0);
        }
        let eve = member_id(&browsers[0], "eve@example.com").await;
        assert_eq!(set_role(&browsers[0], &eve, "endpoint_user").await.status(), 200);
        let account = ok_json(browsers[2].call("current_account", &[]).await).await;
        assert_eq!(account["role"], "endpoint_user");
        Self { app, upstream, browsers, developer_tokens, summarize }
    }

    fn by(&self, role: &str) -> &Browser {
        &self.browsers[ROLES.iter().position(|r| *r == role).unwrap()]
    }

    fn admin(&self) -> &Browser {
        &self.browsers[0]
    }

    fn token_of(&self, role: &str) -> &str {
        &self.developer_tokens[ROLES.iter().position(|r| *r == role).unwrap()]
    }

    async fn api(&self, role: &str, method: Method, path: &str, body: Option<Value>) -> Outcome {
        rest(self.app.api(self.token_of(role), method, path, body).await)
    }
}

/// The table's first row: invite and remove members, change roles, see the activity log.
#[tokio::test]
async fn only_admins_invite_and_remove_members_change_roles_and_see_the_activity_log() {
    let team = Team::new().await;
    let admin = team.admin();
    let tom = team.app.as_member("Tom Thumb", "tom@example.com", "developer").await;
    let tom_id = member_id(admin, "tom@example.com").await;
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]) {
        let who = team.by(role);
        let expect = expected(allowed, MEMBERS_ONLY);
        assert_eq!(console(who.call("list_members", &[]).await).await, expect, "{role} lists members");
        assert_eq!(console(who.call("list_events", &[("page", "1")]).await).await, expect, "{role} sees the log");

        let email = format!("invitee-{role}@example.com");
        let invited = who.call("invite_member", &[("name", "Invitee"), ("email", &email), ("role", "admin")]).await;
        assert_eq!(console(invited).await, expect, "{role} invites");
        assert_eq!(pending_emails(admin).await.contains(&email), allowed, "{role}'s invitation exists");

        let pending = format!("pending-{role}@example.com");
        let (invitation, _) = team.app.invite("Pending", &pending, "developer").await;
        let revoked = who.call("revoke_invitation", &[("id", &invitation["id"].to_string())]).await;
        assert_eq!(console(revoked).await, expect, "{role} revokes an invitation");
        assert_eq!(pending_emails(admin).await.contains(&pending), !allowed, "{role}: revoked or still pending");

        assert_eq!(console(set_role(who, &tom_id, "admin").await).await, expect, "{role} changes a role");
        let now = member(admin, "tom@example.com").await.unwrap()["role"].clone();
        assert_eq!(now, if allowed { "admin" } else { "developer" }, "{role} changed Tom's role");
        assert_eq!(tom.call("list_members", &[]).await.status(), if allowed { 200 } else { 403 }, "at once");
        if allowed {
            assert_eq!(set_role(who, &tom_id, "developer").await.status(), 200);
        }
    }
    // Removal, the admin last.
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]).rev() {
        let removed = team.by(role).call("remove_member", &[("id", &tom_id)]).await;
        assert_eq!(console(removed).await, expected(allowed, MEMBERS_ONLY), "{role} removes a member");
        assert_eq!(member(admin, "tom@example.com").await.is_none(), allowed, "{role}: Tom removed");
        assert_eq!(tom.account_status().await, if allowed { 401 } else { 200 }, "{role}: Tom's session");
    }

    // The API has the log (members are managed in the console only): admins' tokens only.
    for role in ROLES {
        let listed = team.api(role, Method::GET, "/api/v1/events", None).await;
        assert_eq!(listed, expected_rest(role, role == "admin", MEMBERS_ONLY), "{role}: GET /api/v1/events");
    }
}

/// Create, edit, delete deployments and change their access type; view deployments.
#[tokio::test]
async fn admins_and_developers_change_deployments_and_everyone_sees_them() {
    let team = Team::new().await;
    let (admin, upstream) = (team.admin(), team.upstream.as_str());
    for (role, allowed) in ROLES.into_iter().zip([true, true, false]) {
        let who = team.by(role);
        let expect = expected(allowed, DEPLOYMENTS_ONLY);
        let slug = role.replace('_', "-");
        assert!(deployment(who, "summarize").await.is_some(), "{role} sees the deployments");

        let name = format!("by-{slug}");
        assert_eq!(console(create_deployment(who, &name, upstream, "protected").await).await, expect, "{role} creates");
        assert_eq!(deployment(admin, &name).await.is_some(), allowed, "{role}'s deployment exists");

        // Protected → Public: callable without a token.
        let changed = update_deployment(who, &team.summarize, upstream, "public", &format!("by {role}")).await;
        assert_eq!(console(changed).await, expect, "{role} changes the access type");
        let now = deployment(admin, "summarize").await.unwrap();
        assert_eq!(now["access"], if allowed { "public" } else { "protected" }, "{role}");
        assert_eq!(gateway(&team.app, "summarize", None).await, if allowed { 200 } else { 401 }, "{role}");
        if allowed {
            assert_eq!(update_deployment(who, &team.summarize, upstream, "protected", "").await.status(), 200);
        }

        let doomed = format!("doomed-{slug}");
        assert_eq!(create_deployment(admin, &doomed, upstream, "public").await.status(), 200);
        let id = deployment_id(admin, &doomed).await;
        assert_eq!(console(who.call("delete_deployment", &[("id", &id)]).await).await, expect, "{role} deletes");
        assert_eq!(deployment(admin, &doomed).await.is_none(), allowed, "{role}: deleted or not");
        assert_eq!(gateway(&team.app, &doomed, None).await, if allowed { 404 } else { 200 }, "{role}");
    }

    for (role, allowed) in ROLES.into_iter().zip([true, true, false]) {
        let expect = expected_rest(role, allowed, DEPLOYMENTS_ONLY);
        let slug = role.replace('_', "-");
        let view = team.api(role, Method::GET, "/api/v2/deployments", None).await;
        assert_eq!(view, expected_rest(role, true, ""), "{role} lists deployments");
        let one = team.api(role, Method::GET, "/api/v2/deployments/summarize", None).await;
        assert_eq!(one, expected_rest(role, true, ""), "{role} reads a deployment");

        let name = format!("api-{slug}");
        let body = json!({"name": name, "upstream_url": upstream, "access_type": "protected"});
        assert_eq!(team.api(role, Method::POST, "/api/v2/deployments", Some(body)).await, expect, "{role} creates");
        assert_eq!(deployment(admin, &name).await.is_some(), allowed, "{role}'s deployment exists");

        let public = json!({"access_type": "public"});
        let changed = team.api(role, Method::PATCH, "/api/v2/deployments/summarize", Some(public)).await;
        assert_eq!(changed, expect, "{role} changes the access type");
        assert_eq!(
            deployment(admin, "summarize").await.unwrap()["access"],
            if allowed { "public" } else { "protected" }
        );
        if allowed {
            let protected = json!({"access_type": "protected"});
            assert_eq!(team.api(role, Method::PATCH, "/api/v2/deployments/summarize", Some(protected)).await, Allowed);
        }

        let doomed = format!("api-doomed-{slug}");
        assert_eq!(create_deployment(admin, &doomed, upstream, "public").await.status(), 200);
        let deleted = team.api(role, Method::DELETE, &format!("/api/v2/deployments/{doomed}"), None).await;
        assert_eq!(deleted, expect, "{role} deletes");
        assert_eq!(deployment(admin, &doomed).await.is_none(), allowed);
    }
}

/// Tokens with Developer (API) access for admins and developers; User tokens for everyone.
#[tokio::test]
async fn developer_tokens_are_for_admins_and_developers_and_user_tokens_for_everyone() {
    let team = Team::new().await;
    let (admin, summarize) = (team.admin(), team.summarize.as_str());
    for (role, allowed) in ROLES.into_iter().zip([true, true, false]) {
        let who = team.by(role);
        let expect = expected(allowed, DEVELOPER_TOKENS_ONLY);
        let name = format!("api-{role}");
        assert_eq!(console(create_token(who, &name, &[("developer", "on")]).await).await, expect, "{role}");
        let both = format!("both-{role}");
        let fields = [("developer", "on"), ("user", "on"), ("deployment_ids[]", summarize)];
        assert_eq!(console(create_token(who, &both, &fields).await).await, expect, "{role}: Developer and User");
        let names = token_names(admin).await;
        assert_eq!((names.contains(&name), names.contains(&both)), (allowed, allowed), "{role}: {names:?}");

        let page = ok_json(who.call("list_api_tokens", &[("search", ""), ("page", "1")]).await).await;
        assert_eq!(page["may"]["create_developer"], allowed, "the page offers only what {role} may do");

        let (secret, _) =
            create_token_ok(who, &format!("app-{role}"), &[("user", "on"), ("deployment_ids[]", summarize)]).await;
        assert_eq!(gateway(&team.app, "summarize", Some(&secret)).await, 200, "{role}'s User token calls it");
    }
    // A new Developer secret is a new Developer token: not for the endpoint user, even for the
    // token she made as a developer.
    let eve = team.by("endpoint_user");
    let cli = tokens(eve).await.into_iter().find(|t| t["name"] == "cli-endpoint_user").unwrap()["id"].to_string();
    let regenerated = eve.call("regenerate_api_token", &[("id", &cli), ("expiration", "keep")]).await;
    assert_eq!(console(regenerated).await, Refused(403, DEVELOPER_TOKENS_ONLY.into()));

    for (role, allowed) in ROLES.into_iter().zip([true, true, false]) {
        let developer = json!({"name": format!("rest-api-{role}"), "scopes": ["api"]});
        let created = team.app.api(team.token_of(role), Method::POST, "/api/v1/api_tokens", Some(developer)).await;
        if allowed {
            let secret = created.1["token"].as_str().unwrap();
            assert_eq!(api_status(&team.app, secret).await.0, 200, "{role}'s new Developer token works");
        }
        assert_eq!(rest(created), expected_rest(role, allowed, DEVELOPER_TOKENS_ONLY), "{role}");
        let user = json!({"name": format!("rest-app-{role}"), "deployments": ["summarize"]});
        let created = team.app.api(team.token_of(role), Method::POST, "/api/v1/api_tokens", Some(user)).await;
        if role != "endpoint_user" {
            assert_eq!(gateway(&team.app, "summarize", created.1["token"].as_str()).await, 200, "{role}");
        }
        assert_eq!(rest(created), expected_rest(role, true, ""), "{role}: a User token");
    }
    let names = token_names(admin).await;
    assert!(!names.iter().any(|n| n.ends_with("endpoint_user") && n.starts_with("rest-")), "{names:?}");
}

/// Create, edit, delete organization tokens: admins; everyone sees them.
#[tokio::test]
async fn everyone_sees_organization_tokens_and_only_admins_manage_them() {
    let team = Team::new().await;
    let (admin, summarize) = (team.admin(), team.summarize.as_str());
    let organization = [("user", "on"), ("deployment_ids[]", summarize), ("organization", "on")];
    let (mut shared_secret, shared_id) = create_token_ok(admin, "shared", &organization).await;
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]) {
        let who = team.by(role);
        let expect = expected(allowed, ORGANIZATION_TOKENS_ONLY);
        let name = format!("org-{role}");
        assert_eq!(console(create_token(who, &name, &organization).await).await, expect, "{role} creates");
        assert_eq!(token_names(admin).await.contains(&name), allowed, "{role}'s organization token exists");

        let listed = tokens(who).await;
        let shared = listed.iter().find(|t| t["name"] == "shared").expect("everyone sees organization tokens");
        assert_eq!((shared["is_organization"].clone(), shared["can_manage"].clone()), (json!(true), json!(allowed)));
        assert_eq!(find_token(who, &shared_id).await["name"], "shared", "{role} opens it");

        let description = format!("edited by {role}");
        let form = [("id", shared_id.as_str()), ("name", "shared"), ("description", &description)];
        assert_eq!(console(who.call("update_api_token", &form).await).await, expect, "{role} edits");
        assert_eq!(find_token(admin, &shared_id).await["description"] == description, allowed, "{role}");
        let grants = [
            ("id", shared_id.as_str()),
            ("name", "shared"),
            ("description", ""),
            ("grants", "on"),
            ("all_deployments", "on"),
        ];
        assert_eq!(console(who.call("update_api_token", &grants).await).await, expect, "{role} edits grants");
        if allowed {
            let back = [
                ("id", shared_id.as_str()),
                ("name", "shared"),
                ("description", ""),
                ("grants", "on"),
                ("deployment_ids[]", summarize),
            ];
            assert_eq!(who.call("update_api_token", &back).await.status(), 200);
        }
        assert_eq!(find_token(admin, &shared_id).await["all_deployments"], false, "{role}: grants as they were");
    }
    // Regenerate and delete: refused to the others (the token keeps working), then the admin's.
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]).rev() {
        let regenerated =
            team.by(role).call("regenerate_api_token", &[("id", &shared_id), ("expiration", "keep")]).await;
        if allowed {
            let new = ok_json(regenerated).await["secret"].as_str().unwrap().to_owned();
            assert_eq!(gateway(&team.app, "summarize", Some(&shared_secret)).await, 401, "the old secret is dead");
            shared_secret = new;
        } else {
            assert_eq!(console(regenerated).await, Refused(403, ORGANIZATION_TOKENS_ONLY.into()), "{role} regenerates");
        }
        assert_eq!(gateway(&team.app, "summarize", Some(&shared_secret)).await, 200, "{role}");
    }
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]).rev() {
        let deleted = team.by(role).call("delete_api_token", &[("id", &shared_id)]).await;
        assert_eq!(console(deleted).await, expected(allowed, ORGANIZATION_TOKENS_ONLY), "{role} deletes");
        assert_eq!(gateway(&team.app, "summarize", Some(&shared_secret)).await, if allowed { 401 } else { 200 });
    }

    // The API: an admin's token creates one (which every member's token then sees), the others' not.
    let mut uid = String::new();
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]) {
        let body =
            json!({"name": format!("rest-org-{role}"), "deployments": ["summarize"], "is_organization_token": true});
        let created = team.app.api(team.token_of(role), Method::POST, "/api/v1/api_tokens", Some(body)).await;
        if allowed {
            assert_eq!(created.1["is_organization_token"], true, "{}", created.1);
            uid = created.1["uid"].as_str().unwrap().to_owned();
        }
        assert_eq!(rest(created), expected_rest(role, allowed, ORGANIZATION_TOKENS_ONLY), "{role} creates");
    }
    assert_eq!(token_names(admin).await.iter().filter(|n| n.starts_with("rest-org-")).count(), 1);
    let path = format!("/api/v1/api_tokens/{uid}");
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]) {
        let (status, page) = team.app.api(team.token_of(role), Method::GET, "/api/v1/api_tokens", None).await;
        if role != "endpoint_user" {
            assert_eq!(status, 200);
            let listed = page["items"].as_array().unwrap().iter().find(|t| t["uid"] == uid.as_str()).cloned();
            assert_eq!(listed.expect("listed for every member")["is_organization_token"], true);
        }
        assert_eq!(team.api(role, Method::GET, &path, None).await, expected_rest(role, true, ""), "{role} reads it");
        let edit = json!({"description": format!("edited by {role}")});
        let edited = team.api(role, Method::PATCH, &path, Some(edit)).await;
        assert_eq!(edited, expected_rest(role, allowed, ORGANIZATION_TOKENS_ONLY), "{role} edits");
        let regenerated = team.api(role, Method::POST, &format!("{path}/regenerate"), None).await;
        assert_eq!(regenerated, expected_rest(role, allowed, ORGANIZATION_TOKENS_ONLY), "{role} regenerates");
    }
    for (role, allowed) in ROLES.into_iter().zip([true, false, false]).rev() {
        let deleted = team.api(role, Method::DELETE, &path, None).await;
        assert_eq!(deleted, expected_rest(role, allowed, ORGANIZATION_TOKENS_ONLY), "{role} deletes");
        assert_eq!(token_names(admin).await.contains(&"rest-org-admin".to_owned()), !allowed);
    }
}

/// See every member's tokens and revoke any of them: admins; the others see their own.
#[tokio::test]
async fn admins_see_and_revoke_every_members_tokens_and_the_others_only_their_own() {
    let team = Team::new().await;
    let (admin, summarize) = (team.admin(), team.summarize.as_str());
    let mut personal = Vec::new();
    for role in ROLES {
        let fields = [("user", "on"), ("deployment_ids[]", summarize)];
        personal.push(create_token_ok(team.by(role), &format!("mine-{role}"), &fields).await);
    }
    for (i, role) in ROLES.into_iter().enumerate() {
        let who = team.by(role);
        let mut own = vec![format!("cli-{role}"), format!("mine-{role}")];
        if role == "admin" {
            own = ROLES.iter().flat_map(|r| [format!("cli-{r}"), format!("mine-{r}")]).collect();
        }
        own.sort();
        assert_eq!(token_names(who).await, own, "{role} sees these tokens");
        let page = ok_json(who.call("list_api_tokens", &[("search", ""), ("page", "1")]).await).await;
        assert_eq!(page["total"], own.len(), "{role}: the count too");

        for (j, (secret, id)) in personal.iter().enumerate().filter(|(j, _)| *j != i) {
            let others = format!("{role} on {}'s token", ROLES[j]);
            if role == "admin" {
                assert_eq!(find_token(who, id).await["name"], format!("mine-{}", ROLES[j]), "{others}");
                continue;
            }
            let not_found = Refused(404, TOKEN_NOT_FOUND.into());
            assert_eq!(console(who.call("find_api_token", &[("id", id)]).await).await, not_found, "{others}");
            let edit = [("id", id.as_str()), ("name", "stolen"), ("description", "")];
            assert_eq!(console(who.call("update_api_token", &edit).await).await, not_found, "{others}");
            let regenerate = [("id", id.as_str()), ("expiration", "keep")];
            assert_eq!(console(who.call("regenerate_api_token", &regenerate).await).await, not_found, "{others}");
            assert_eq!(console(who.call("delete_api_token", &[("id", id)]).await).await, not_found, "{others}");
            assert_eq!(gateway(&team.app, "summarize", Some(secret)).await, 200, "{others}: unchanged");
            assert_eq!(find_token(admin, id).await["name"], format!("mine-{}", ROLES[j]), "{others}: unchanged");
        }
    }
    // The admin revokes the others' tokens: they stop working at once, and leave their lists.
    for (j, role) in ROLES.into_iter().enumerate().skip(1) {
        let (secret, id) = &personal[j];
        assert_eq!(console(admin.call("delete_api_token", &[("id", id)]).await).await, Allowed, "revoke {role}'s");
        assert_eq!(gateway(&team.app, "summarize", Some(secret)).await, 401, "{role}'s revoked token");
        assert!(!token_names(team.by(role)).await.contains(&format!("mine-{role}")));
    }

    // The API: the same rules.
    let (admin_mine, developer_cli) = {
        let all = tokens(admin).await;
        let uid = |name: &str| format!("tok-{}", all.iter().find(|t| t["name"] == name).unwrap()["id"]);
        (uid("mine-admin"), uid("cli-developer"))
    };
    let (status, page) = team.app.api(team.token_of("developer"), Method::GET, "/api/v1/api_tokens", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!((names, page["total"].clone()), (vec!["cli-developer"], json!(1)));
    let (_, page) = team.app.api(team.token_of("admin"), Method::GET, "/api/v1/api_tokens", None).await;
    assert_eq!(page["total"], 4, "the admin sees cli-admin, cli-developer, cli-endpoint_user, mine-admin: {page}");
    let path = format!("/api/v1/api_tokens/{admin_mine}");
    let not_found = Refused(404, TOKEN_NOT_FOUND.into());
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(json!({"name": "stolen"}))),
        (Method::POST, format!("{path}/regenerate"), None),
        (Method::DELETE, path.clone(), None),
    ] {
        assert_eq!(team.api("developer", method.clone(), &path, body).await, not_found, "developer: {method} {path}");
    }
    assert_eq!(gateway(&team.app, "summarize", Some(&personal[0].0)).await, 200, "the admin's token is unchanged");
    let endpoint_user = team.api("endpoint_user", Method::GET, "/api/v1/api_tokens", None).await;
    assert_eq!(endpoint_user, Refused(403, WITHHELD.into()));

    let path = format!("/api/v1/api_tokens/{developer_cli}");
    assert_eq!(team.api("admin", Method::GET, &path, None).await, Allowed, "the admin reads a developer's token");
    assert_eq!(api_status(&team.app, team.token_of("developer")).await.0, 200);
    assert_eq!(team.api("admin", Method::DELETE, &path, None).await, Allowed, "and revokes it");
    let (status, body) = api_status(&team.app, team.token_of("developer")).await;
    assert_eq!((status, body["error"].as_str()), (401, Some(BAD_TOKEN)), "revoked on the next request");
}

/// Removal and demotion take effect on the member's very next request (their tokens having
/// been used, and so cached, before).
#[tokio::test]
async fn removal_and_demotion_apply_on_the_next_request_at_the_gateway_and_the_api() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    let (summarize, upstream) = protected_summarize(&admin).await;
    let dev = app.as_member("Dev Eloper", "dev@example.com", "developer").await;
    let id = member_id(&admin, "dev@example.com").await;
    let (api_token, _) = create_token_ok(&dev, "dev-cli", &[("developer", "on")]).await;
    let (user_token, _) = create_token_ok(&dev, "dev-app", &[("user", "on"), ("deployment_ids[]", &summarize)]).await;
    let both_fields = [("developer", "on"), ("user", "on"), ("deployment_ids[]", summarize.as_str())];
    let (both_token, _) = create_token_ok(&dev, "dev-both", &both_fields).await;
    for token in [&api_token, &both_token] {
        assert_eq!(api_status(&app, token).await.0, 200);
    }
    for token in [&user_token, &both_token] {
        assert_eq!(gateway(&app, "summarize", Some(token)).await, 200);
    }

    // Demoted to Endpoint User: Developer access is refused, saying why; User access stays
    // (endpoint users call Protected deployments with User tokens).
    let demoted = ok_json(set_role(&admin, &id, "endpoint_user").await).await;
    assert_eq!(demoted, "Dev Eloper is now Endpoint User.");
    for token in [&api_token, &both_token] {
        let (status, body) = api_status(&app, token).await;
        assert_eq!((status, body["error"].as_str()), (403, Some(WITHHELD)));
    }
    for token in [&user_token, &both_token] {
        assert_eq!(gateway(&app, "summarize", Some(token)).await, 200, "User access is the endpoint user's");
    }
    assert_eq!(ok_json(dev.call("current_account", &[]).await).await["role"], "endpoint_user");
    let refused = create_deployment(&dev, "mine", &upstream, "public").await;
    assert_eq!(console(refused).await, Refused(403, DEPLOYMENTS_ONLY.into()), "the console session too");

    // Promoted back: the same tokens work again at once.
    assert_eq!(set_role(&admin, &id, "developer").await.status(), 200);
    for token in [&api_token, &both_token] {
        assert_eq!(api_status(&app, token).await.0, 200);
    }

    // Removed: the session ends, the personal tokens are deleted and refused everywhere.
    let removed = ok_json(admin.call("remove_member", &[("id", &id)]).await).await;
    assert_eq!(removed, "Dev Eloper removed.");
    for token in [&api_token, &both_token] {
        let (status, body) = api_status(&app, token).await;
        assert_eq!((status, body["error"].as_str()), (401, Some(BAD_TOKEN)));
    }
    for token in [&user_token, &both_token] {
        assert_eq!(gateway(&app, "summarize", Some(token)).await, 401);
    }
    assert_eq!(dev.account_status().await, 401, "signed out");
    assert_eq!(console(dev.call("list_deployments", &[]).await).await, console_unauthorized());
    let again = app.new_browser();
    let login = again.call("login", &[("email", "dev@example.com"), ("password", MEMBER_PASSWORD)]).await;
    assert_eq!(console(login).await, Refused(401, "Incorrect email or password.".into()));
    assert_eq!(token_names(&admin).await, Vec::<String>::new(), "their tokens are gone");
    assert!(member(&admin, "dev@example.com").await.is_none());
    assert_eq!(console(admin.call("remove_member", &[("id", &id)]).await).await, member_not_found());

    // Invited again, they come back as a new member, without their old tokens.
    let back = app.as_member("Dev Again", "dev@example.com", "endpoint_user").await;
    assert_eq!(ok_json(back.call("current_account", &[]).await).await["user_name"], "Dev Again");
    assert_eq!(api_status(&app, &api_token).await.0, 401);
    assert_eq!(gateway(&app, "summarize", Some(&user_token)).await, 401);
}

/// Removal ends a member's sessions for good: joining again (a new invitation brings back the
/// same account) does not revive a session from before, on a device the admin may have
/// removed them for.
#[tokio::test]
async fn a_removed_members_old_sessions_stay_ended_when_they_join_again() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    let old = app.as_member("Dev Eloper", "dev@example.com", "developer").await;
    let id = member_id(&admin, "dev@example.com").await;
    assert_eq!(admin.call("remove_member", &[("id", &id)]).await.status(), 200);
    // The old browser makes no request until they are back.
    let back = app.as_member("Dev Again", "dev@example.com", "endpoint_user").await;
    assert_eq!(back.account_status().await, 200);
    assert_eq!(old.account_status().await, 401, "the session from before the removal stays ended");
    assert_eq!(console(old.call("list_deployments", &[]).await).await, console_unauthorized());
    assert_eq!(app.account_status().await, 200, "other members' sessions are untouched");

    // Joining again in the very browser of an old session signs them in afresh.
    assert_eq!(admin.call("remove_member", &[("id", &id)]).await.status(), 200);
    let (_, code) = app.invite("Dev Third", "dev@example.com", "developer").await;
    assert_eq!(join(&back, &code, "Dev Third").await.status(), 200);
    assert_eq!(ok_json(back.call("current_account", &[]).await).await["user_name"], "Dev Third");
}

fn console_unauthorized() -> Outcome {
    Refused(401, "You are not signed in, or your session has expired. Sign in again.".into())
}

fn member_not_found() -> Outcome {
    Refused(404, "This member does not exist; they may have been removed.".into())
}

#[tokio::test]
async fn an_organization_token_keeps_working_after_its_creator_is_demoted_and_removed() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    let (summarize, _) = protected_summarize(&admin).await;
    let grace = app.as_member("Grace Hopper", "grace@example.com", "admin").await;
    let grace_id = member_id(&admin, "grace@example.com").await;
    let fields =
        [("developer", "on"), ("user", "on"), ("deployment_ids[]", summarize.as_str()), ("organization", "on")];
    let (shared, shared_id) = create_token_ok(&grace, "shared-ci", &fields).await;
    let (own, _) = create_token_ok(&grace, "grace-cli", &[("developer", "on")]).await;
    let works = |expected_own: u16| {
        let (app, shared, own) = (&app, &shared, &own);
        async move {
            assert_eq!(api_status(app, shared).await.0, 200, "the organization token at the API");
            assert_eq!(gateway(app, "summarize", Some(shared)).await, 200, "the organization token at the gateway");
            assert_eq!(api_status(app, own).await.0, expected_own, "Grace's personal token");
        }
    };
    works(200).await;
    assert_eq!(set_role(&admin, &grace_id, "endpoint_user").await.status(), 200);
    works(403).await;
    assert_eq!(admin.call("remove_member", &[("id", &grace_id)]).await.status(), 200);
    works(401).await;

    let token = find_token(&admin, &shared_id).await;
    assert_eq!((token["created_by"].as_str(), token["is_organization"].as_bool()), (Some("Grace Hopper"), Some(true)));
    let (status, body) = app.api(&shared, Method::GET, &format!("/api/v1/api_tokens/tok-{shared_id}"), None).await;
    assert_eq!((status, body["user"]["name"].as_str()), (200, Some("Grace Hopper")), "{body}");
    let (_, me) = api_status(&app, &shared).await;
    assert_eq!(me["name"], "organization token shared-ci");
}

/// Runs the `bento-console` binary on `db_url` with nothing on its input.
fn bento_console(db_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = run_bento_console(db_url, args, "");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[tokio::test]
async fn the_last_admin_can_be_neither_removed_nor_demoted() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    let ada = member_id(&admin, ADMIN_EMAIL).await;
    let last_admin = Refused(403, LAST_ADMIN.into());
    for role in ["developer", "endpoint_user"] {
        assert_eq!(console(set_role(&admin, &ada, role).await).await, last_admin, "demoted to {role}");
    }
    assert_eq!(console(admin.call("remove_member", &[("id", &ada)]).await).await, last_admin);
    assert_eq!(member(&admin, ADMIN_EMAIL).await.unwrap()["role"], "admin", "still the admin");
    assert_eq!(app.account_status().await, 200);

    // The command line, an admin too, is refused the same.
    let db = database_url(app.dir.path());
    let (ok, _, err) = bento_console(&db, &["user", "set-role", "--email", ADMIN_EMAIL, "--role", "developer"]);
    assert!(!ok && err.contains(LAST_ADMIN), "{err}");
    let (ok, _, err) = bento_console(&db, &["user", "remove", "--email", ADMIN_EMAIL]);
    assert!(!ok && err.contains(LAST_ADMIN), "{err}");
    assert_eq!(member(&admin, ADMIN_EMAIL).await.unwrap()["role"], "admin");

    // With two admins, one may be demoted (even themself); the other is then the last.
    let grace = app.as_member("Grace Hopper", "grace@example.com", "admin").await;
    let grace_id = member_id(&admin, "grace@example.com").await;
    assert_eq!(ok_json(set_role(&admin, &ada, "developer").await).await, "Ada Lovelace is now Developer.");
    assert_eq!(console(admin.call("list_members", &[]).await).await, Refused(403, MEMBERS_ONLY.into()), "at once");
    assert_eq!(console(set_role(&grace, &grace_id, "developer").await).await, last_admin);
    assert_eq!(console(grace.call("remove_member", &[("id", &grace_id)]).await).await, last_admin);
    let (ok, _, err) = bento_console(&db, &["user", "set-role", "--email", "grace@example.com", "--role", "developer"]);
    assert!(!ok && err.contains(LAST_ADMIN), "{err}");
    let (ok, _, err) = bento_console(&db, &["user", "remove", "--email", "grace@example.com"]);
    assert!(!ok && err.contains(LAST_ADMIN), "{err}");

    // The command line makes Ada an admin again; then Grace may go.
    let (ok, out, err) = bento_console(&db, &["user", "set-role", "--email", ADMIN_EMAIL, "--role", "admin"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "ada@example.com is now Admin.");
    let (ok, out, err) =
        bento_console(&db, &["user", "set-role", "--email", "grace@example.com", "--role", "developer"]);
    assert!(ok && out.contains("grace@example.com is now Developer."), "{out}{err}");
    let (_, listed, _) = bento_console(&db, &["user", "list"]);
    assert_eq!(listed, "ada@example.com\tAda Lovelace\tadmin\ngrace@example.com\tGrace Hopper\tdeveloper\n");
    let (ok, out, err) = bento_console(&db, &["user", "remove", "--email", "grace@example.com"]);
    assert!(ok && out.contains("Removed grace@example.com."), "{out}{err}");
    assert_eq!(grace.account_status().await, 401, "her sessions were deleted: at once");
    // The command line is another process; on SQLite nothing tells the server, whose account
    // cache holds Ada as a Developer until the entry lapses (10 s). On PostgreSQL it hears it.
    let started = std::time::Instant::now();
    while admin.call("list_members", &[]).await.status() != 200 {
        assert!(started.elapsed() < std::time::Duration::from_secs(11), "Ada is still not an admin");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(members(&admin).await["members"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_invitation_works_once() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    let (invitation, code) = app.invite("Bob Builder", "Bob@Example.com", "endpoint_user").await;
    assert_eq!(invitation["email"], "bob@example.com");
    assert_eq!(invitation["role"], "endpoint_user");
    assert_eq!(invitation["invited_by"], "Ada Lovelace");
    let days = (invitation["expires_at"].as_i64().unwrap() - invitation["created_at"].as_i64().unwrap()) / time::DAY;
    assert_eq!(days, 7);
    assert_eq!(pending_emails(&admin).await, ["bob@example.com"]);

    // Without a session, the link shows what it is for.
    let bob = app.new_browser();
    let shown = ok_json(bob.call("invitation", &[("code", &code)]).await).await;
    assert_eq!(
        shown,
        json!({"name": "Bob Builder", "email": "bob@example.com", "role": "endpoint_user", "organization_name": "Mybentocloud"})
    );
    assert_eq!(join(&bob, &code, "Bob Builder").await.status(), 200);
    let account = ok_json(bob.call("current_account", &[]).await).await;
    assert_eq!((account["email"].as_str(), account["role"].as_str()), (Some("bob@example.com"), Some("endpoint_user")));

    // Once.
    let mallory = app.new_browser();
    assert_eq!(console(join(&mallory, &code, "Mallory").await).await, Refused(403, INVITATION_REFUSED.into()));
    assert_eq!(mallory.account_status().await, 401);
    assert_eq!(ok_json(mallory.call("invitation", &[("code", &code)]).await).await, Value::Null);
    assert_eq!(pending_emails(&admin).await, Vec::<String>::new());
    assert_eq!(member(&admin, "bob@example.com").await.unwrap()["name"], "Bob Builder", "not renamed");
    assert_eq!(members(&admin).await["members"].as_array().unwrap().len(), 2);

    // Even when used twice at the same moment.
    let (_, code) = app.invite("Carol", "carol@example.com", "developer").await;
    let form = |name: &str| {
        [
            ("code", code.as_str()),
            ("name", name),
            ("password", MEMBER_PASSWORD),
            ("password_confirmation", MEMBER_PASSWORD),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    };
    let mut statuses = call_concurrently(&app, None, "join", vec![form("Carol"), form("Carol Twin")]).await;
    statuses.sort();
    assert_eq!(statuses, [200, 403]);
    assert_eq!(members(&admin).await["members"].as_array().unwrap().len(), 3);

    // The member signs in with the password they chose.
    let later = app.new_browser();
    let login = later.call("login", &[("email", "bob@example.com"), ("password", MEMBER_PASSWORD)]).await;
    assert_eq!(login.status(), 200);
    assert_eq!(later.account_status().await, 200);
}

#[tokio::test]
async fn expired_and_revoked_invitations_open_nothing() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    let refused = Refused(403, INVITATION_REFUSED.into());

    let (carol, code) = app.invite("Carol", "carol@example.com", "developer").await;
    let pool = database(&app.dir).await;
    let sql = format!("update invitations set expires_at = {} where email = 'carol@example.com'", db::now() - 1);
    assert_eq!(pool.execute(&sql).await.unwrap(), 1);
    let browser = app.new_browser();
    assert_eq!(ok_json(browser.call("invitation", &[("code", &code)]).await).await, Value::Null);
    assert_eq!(console(join(&browser, &code, "Carol").await).await, refused, "expired");
    assert_eq!(browser.account_status().await, 401);
    assert_eq!(pending_emails(&admin).await, Vec::<String>::new(), "no longer pending");
    let revoke = admin.call("revoke_invitation", &[("id", &carol["id"].to_string())]).await;
    assert_eq!(console(revoke).await, Refused(404, INVITATION_NOT_FOUND.into()));

    let (dan, dan_code) = app.invite("Dan", "dan@example.com", "admin").await;
    let revoked = ok_json(admin.call("revoke_invitation", &[("id", &dan["id"].to_string())]).await).await;
    assert_eq!(revoked, "Invitation for dan@example.com revoked.");
    assert_eq!(ok_json(browser.call("invitation", &[("code", &dan_code)]).await).await, Value::Null);
    assert_eq!(console(join(&browser, &dan_code, "Dan").await).await, refused, "revoked");
    let again = admin.call("revoke_invitation", &[("id", &dan["id"].to_string())]).await;
    assert_eq!(console(again).await, Refused(404, INVITATION_NOT_FOUND.into()));
    assert_eq!(console(join(&browser, "not-a-code", "Nobody").await).await, refused, "an unknown code");
    assert_eq!(members(&admin).await["members"].as_array().unwrap().len(), 1, "nobody joined");

    // A new invitation to the same email works.
    let (_, code) = app.invite("Carol", "carol@example.com", "developer").await;
    assert_eq!(join(&browser, &code, "Carol").await.status(), 200);
    assert_eq!(browser.account_status().await, 200);
}

#[tokio::test]
async fn an_invitation_for_a_members_email_or_a_pending_one_is_refused() {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    app.as_member("Bob Builder", "bob@example.com", "developer").await;
    app.invite("Carol", "carol@example.com", "developer").await;
    for (email, role, field, message) in [
        (ADMIN_EMAIL, "developer", "email", "A member with this email already exists."),
        ("ADA@example.com", "developer", "email", "A member with this email already exists."),
        ("bob@example.com", "admin", "email", "A member with this email already exists."),
        ("carol@example.com", "developer", "email", "already has a pending invitation"),
        ("dave@example.com", "owner", "role", "Choose Admin, Developer or Endpoint User."),
        ("not an email", "developer", "email", ""),
    ] {
        let response = admin.call("invite_member", &[("name", "Someone"), ("email", email), ("role", role)]).await;
        assert_eq!(response.status(), 422, "{email}");
        let body = error_body(response).await;
        assert_eq!(body["Invalid"]["field"], field, "{email}: {body}");
        assert!(body["Invalid"]["message"].as_str().unwrap().contains(message), "{email}: {body}");
    }
    assert_eq!(pending_emails(&admin).await, ["carol@example.com"], "nothing else was invited");
}

#[tokio::test]
async fn the_invitation_code_is_stored_only_as_its_digest() {
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let (_, joined) = app.invite("Bob Builder", "bob@example.com", "developer").await;
    assert_eq!(join(&app.new_browser(), &joined, "Bob Builder").await.status(), 200);
    let (_, pending) = app.invite("Carol", "carol@example.com", "developer").await;
    let pool = database(&app.dir).await;
    let rows = table_text(&pool, "invitations").await;
    assert_eq!(rows.len(), 2);
    for code in [&joined, &pending] {
        assert_eq!(code.len(), 32, "{code}");
        for row in &rows {
            assert!(!row.iter().any(|cell| cell.contains(code.as_str()) || cell.contains(&code[..16])), "{row:?}");
        }
        let digest = String::from_utf8_lossy(&Sha256::digest(code.as_bytes())).into_owned();
        assert!(rows.iter().any(|row| row.contains(&digest)), "its digest is what is stored");
        for (file, bytes) in sqlite_files(&app.dir) {
            assert!(!bytes.windows(code.len()).any(|w| w == code.as_bytes()), "{file} holds a code");
        }
    }
}

/// Every kind of event, made by the people and means that make them.
struct Eventful {
    app: TestApp,
    bob_id: String,
    /// The admin's and a developer's Developer tokens.
    admin_token: String,
    developer_token: String,
    /// Every token secret, invitation code and password used.
    secrets: Vec<String>,
}

const WRONG_PASSWORD: &str = "not the right password";
const UNKNOWN_PASSWORD: &str = "a guess for nobody at all";

async fn an_eventful_day() -> Eventful {
    let app = spawn_app().await;
    assert_eq!(app.setup_admin().await.status(), 200);
    let admin = app.browser();
    let upstream = format!("http://{}", spawn_upstream().await);
    let mut secrets =
        vec![ADMIN_PASSWORD.to_owned(), MEMBER_PASSWORD.to_owned(), WRONG_PASSWORD.into(), UNKNOWN_PASSWORD.into()];

    // Sign-ins: failed for a member's email and for an unknown one, then a good one.
    app.sign_out().await;
    assert_eq!(app.login(ADMIN_EMAIL, WRONG_PASSWORD).await.status(), 401);
    assert_eq!(app.login("nobody@example.com", UNKNOWN_PASSWORD).await.status(), 401);
    assert_eq!(app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 200);

    // Members: Bob and Dan join; Carol's invitation is revoked.
    let (_, code) = app.invite("Bob Builder", "bob@example.com", "developer").await;
    let bob = app.new_browser();
    assert_eq!(join(&bob, &code, "Bob Builder").await.status(), 200);
    secrets.push(code);
    let (carol, code) = app.invite("Carol", "carol@example.com", "endpoint_user").await;
    secrets.push(code);
    assert_eq!(admin.call("revoke_invitation", &[("id", &carol["id"].to_string())]).await.status(), 200);
    let (_, code) = app.invite("Dan Developer", "dan@example.com", "developer").await;
    let dan = app.new_browser();
    assert_eq!(join(&dan, &code, "Dan Developer").await.status(), 200);
    secrets.push(code);
    let bob_id = member_id(&admin, "bob@example.com").await;

    // Deployments: created, changed from Protected to Public, deleted.
    assert_eq!(create_deployment(&admin, "summarize", &upstream, "protected").await.status(), 200);
    let summarize = deployment_id(&admin, "summarize").await;
    assert_eq!(update_deployment(&admin, &summarize, &upstream, "public", "open now").await.status(), 200);
    assert_eq!(create_deployment(&admin, "doomed", &upstream, "private").await.status(), 200);
    let doomed = deployment_id(&admin, "doomed").await;
    assert_eq!(admin.call("delete_deployment", &[("id", &doomed)]).await.status(), 200);

    // Tokens: Bob's created, edited, regenerated; the admin's own deleted; Bob's revoked by the admin.
    let (secret, _) = create_token_ok(&bob, "bob-cli", &[("developer", "on")]).await;
    secrets.push(secret);
    let (secret, bob_app) = create_token_ok(&bob, "bob-app", &[("user", "on"), ("deployment_ids[]", &summarize)]).await;
    secrets.push(secret);
    let edit = [
        ("id", bob_app.as_str()),
        ("name", "bob-app"),
        ("description", "the shop"),
        ("grants", "on"),
        ("all_deployments", "on"),
    ];
    assert_eq!(bob.call("update_api_token", &edit).await.status(), 200);
    let regenerated =
        ok_json(bob.call("regenerate_api_token", &[("id", &bob_app), ("expiration", "keep")]).await).await;
    secrets.push(regenerated["secret"].as_str().unwrap().to_owned());
    let (admin_token, _) = create_token_ok(&admin, "ada-cli", &[("developer", "on")]).await;
    secrets.push(admin_token.clone());
    let (secret, temporary) = create_token_ok(&admin, "temporary", &[("developer", "on")]).await;
    secrets.push(secret);
    assert_eq!(admin.call("delete_api_token", &[("id", &temporary)]).await.status(), 200);
    assert_eq!(admin.call("delete_api_token", &[("id", &bob_app)]).await.status(), 200);
    let (developer_token, _) = create_token_ok(&dan, "dan-cli", &[("developer", "on")]).await;
    secrets.push(developer_token.clone());

    // Through the API, with the admin's token.
    let body = json!({"name": "from-api", "upstream_url": upstream, "access_type": "protected"});
    assert_eq!(app.api(&admin_token, Method::POST, "/api/v2/deployments", Some(body)).await.0, 201);
    let body = json!({"name": "api-made", "scopes": ["api"]});
    let (status, created) = app.api(&admin_token, Method::POST, "/api/v1/api_tokens", Some(body)).await;
    assert_eq!(status, 200);
    secrets.push(created["token"].as_str().unwrap().to_owned());

    // Bob becomes an endpoint user, then is removed (with his personal Developer token).
    assert_eq!(set_role(&admin, &bob_id, "endpoint_user").await.status(), 200);
    assert_eq!(admin.call("remove_member", &[("id", &bob_id)]).await.status(), 200);

    Eventful { app, bob_id, admin_token, developer_token, secrets }
}

async fn events(who: &Browser, filters: &[(&str, &str)]) -> (Vec<Value>, i64) {
    let mut form = vec![("page", "1")];
    form.extend_from_slice(filters);
    let page = ok_json(who.call("list_events", &form).await).await;
    (page["events"].as_array().unwrap().clone(), page["total"].as_i64().unwrap())
}

fn kinds(events: &[Value]) -> std::collections::BTreeSet<String> {
    events.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_activity_log_records_every_kind_of_event() {
    let day = an_eventful_day().await;
    let admin = day.app.browser();
    let (events, total) = events(&admin, &[]).await;
    assert_eq!(total, events.len() as i64);
    let all: std::collections::BTreeSet<String> =
        bento_console::domain::EventKind::ALL.iter().map(|k| k.as_str().to_owned()).collect();
    assert_eq!(kinds(&events), all, "every kind of event is recorded");
    let ats: Vec<i64> = events.iter().map(|e| e["at"].as_i64().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let one = |kind: &str, subject: &str| {
        let found: Vec<&Value> = events.iter().filter(|e| e["kind"] == kind && e["subject"] == subject).collect();
        assert_eq!(found.len(), 1, "one {kind} about {subject}: {events:#?}");
        let e = found[0];
        (e["actor_name"].as_str().unwrap().to_owned(), e["detail"].as_str().unwrap().to_owned())
    };
    let ada = "Ada Lovelace".to_owned();
    assert_eq!(one("deployment_changed", "summarize").0, ada);
    assert!(one("deployment_changed", "summarize").1.contains("Protected → Public"), "{events:#?}");
    assert_eq!(one("deployment_created", "summarize"), (ada.clone(), "Protected".into()));
    assert_eq!(one("deployment_deleted", "doomed"), (ada.clone(), "Private".into()));
    assert_eq!(one("member_invited", "Bob Builder <bob@example.com>"), (ada.clone(), "Developer".into()));
    assert_eq!(one("invitation_revoked", "Carol <carol@example.com>").0, ada);
    assert_eq!(one("member_joined", "Bob Builder"), ("Bob Builder".into(), "Developer".into()));
    assert_eq!(one("role_changed", "Bob Builder"), (ada.clone(), "Developer → Endpoint User".into()));
    assert_eq!(one("member_removed", "Bob Builder"), (ada.clone(), "1 personal token deleted".into()));
    assert_eq!(one("token_created", "bob-app").0, "Bob Builder");
    assert_eq!(one("token_edited", "bob-app"), ("Bob Builder".into(), "deployments changed".into()));
    assert_eq!(one("token_regenerated", "bob-app").0, "Bob Builder");
    assert_eq!(one("token_deleted", "temporary").0, ada);
    let (by, detail) = one("token_revoked", "bob-app");
    assert_eq!(by, ada);
    assert!(detail.contains("owned by Bob Builder"), "{detail}");
    let failed: Vec<&str> =
        events.iter().filter(|e| e["kind"] == "sign_in_failed").map(|e| e["actor_name"].as_str().unwrap()).collect();
    assert_eq!(failed, ["unknown email", "Ada Lovelace"]);
    let signed_in = events.iter().find(|e| e["kind"] == "signed_in").unwrap();
    assert_eq!(
        (signed_in["actor_name"].as_str(), signed_in["client"].as_str()),
        (Some("Ada Lovelace"), Some("127.0.0.1"))
    );
    let from_api = events.iter().find(|e| e["subject"] == "from-api").unwrap();
    assert_eq!(from_api["token_prefix"].as_str(), Some(&day.admin_token[..9]), "done with this token");

    // The API's log is the same log.
    let (status, page) = day.app.api(&day.admin_token, Method::GET, "/api/v1/events?count=1000", None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], total);
    let items = page["items"].as_array().unwrap();
    assert_eq!(kinds(items), all);
    let changed = items.iter().find(|e| e["kind"] == "deployment_changed").unwrap();
    assert_eq!((changed["actor"].as_str(), changed["subject"].as_str()), (Some("Ada Lovelace"), Some("summarize")));
    assert!(changed["detail"].as_str().unwrap().contains("Protected → Public"));
    let (status, body) = day.app.api(&day.developer_token, Method::GET, "/api/v1/events", None).await;
    assert_eq!((status, body["error"].as_str()), (403, Some(MEMBERS_ONLY)), "not for a developer's token");
}

#[tokio::test]
async fn the_activity_log_filters_by_member_and_kind_and_holds_no_secret() {
    let day = an_eventful_day().await;
    let admin = day.app.browser();
    let bob = day.bob_id.parse::<i64>().unwrap();
    let (by_bob, total) = events(&admin, &[("member", &day.bob_id)]).await;
    assert!(by_bob.iter().all(|e| e["actor_id"] == bob), "{by_bob:#?}");
    let expected: std::collections::BTreeSet<String> =
        ["member_joined", "token_created", "token_edited", "token_regenerated"].map(String::from).into();
    assert_eq!(kinds(&by_bob), expected);
    assert_eq!(total, 5, "joined, two tokens created, one edited, one regenerated");

    let (created, total) = events(&admin, &[("kind", "token_created")]).await;
    assert_eq!(kinds(&created), std::collections::BTreeSet::from(["token_created".to_owned()]));
    assert_eq!(total, 6, "bob-cli, bob-app, ada-cli, temporary, dan-cli, api-made: {created:#?}");
    let (both, total) = events(&admin, &[("member", &day.bob_id), ("kind", "token_created")]).await;
    assert_eq!((total, both.len()), (2, 2));
    let today = time::date(db::now());
    let yesterday = time::date(db::now() - time::DAY);
    assert_eq!(events(&admin, &[("to", &yesterday)]).await.1, 0);
    assert!(events(&admin, &[("from", &today), ("to", &today)]).await.1 > 20);

    let api = |query: String| {
        let app = &day.app;
        let token = day.admin_token.clone();
        async move { app.api(&token, Method::GET, &format!("/api/v1/events{query}"), None).await }
    };
    let (status, page) = api(format!("?actor=usr-{bob}")).await;
    assert_eq!((status, page["total"].clone()), (200, json!(5)));
    assert!(page["items"].as_array().unwrap().iter().all(|e| e["actor_uid"] == format!("usr-{bob}")));
    let (_, page) = api("?kind=deployment_changed".into()).await;
    assert_eq!(page["total"], 1);
    let (_, page) = api(format!("?kind=token_created&actor=usr-{bob}")).await;
    assert_eq!(page["total"], 2);
    let (status, body) = api("?kind=nope".into()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("kind must be one of"));
    let (status, _) = api("?actor=42".into()).await;
    assert_eq!(status, 400);

    // No secret anywhere in the log: no token, no invitation code, no password.
    let pool = database(&day.app.dir).await;
    let rows = table_text(&pool, "events").await;
    assert!(rows.len() > 20, "{}", rows.len());
    let whole: String = rows.iter().map(|row| row.join("\u{1f}")).collect::<Vec<_>>().join("\n");
    assert!(day.secrets.len() >= 14, "{}", day.secrets.len());
    for secret in &day.secrets {
        for row in &rows {
            assert!(!row.iter().any(|cell| cell.contains(secret.as_str())), "a secret in {row:?}");
        }
        assert!(!whole.contains(secret.as_str()), "a secret in the events table");
        if let Some(rest) = secret.strip_prefix("bcst_") {
            assert_eq!(secret.len(), 54);
            assert!(!whole.contains(&rest[4..]), "the secret part of a token in the events table");
        }
    }
    // Nor anything shaped like a whole token.
    for (at, _) in whole.match_indices("bcst_") {
        let run = whole[at + 5..].chars().take_while(char::is_ascii_alphanumeric).count();
        assert!(run < 49, "a full token in the log: {}", &whole[at..]);
    }
    // The console's and the API's answers hold none either.
    let page = admin.call("list_events", &[("page", "1")]).await.text().await.unwrap();
    let (_, api_page) = api("?count=1000".into()).await;
    for secret in &day.secrets {
        assert!(!page.contains(secret.as_str()) && !api_page.to_string().contains(secret.as_str()));
    }
}
