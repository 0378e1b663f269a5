//! The election of the one `kconnect registry` that writes, among those serving one topic, as
//! Confluent Schema Registry elects its leader: members join a Kafka group (`schema-registry` by
//! default) of protocol type `sr`, each with its identity (host, port, scheme, whether it may
//! lead) as JSON; the group's leader picks the eligible member with the smallest URL, keeping a
//! leader that is still there, and gives every member the same assignment naming it. The member
//! elected reads the topic to its end before it writes; the others forward their writes to it.
//! Confluent's members and kconnect's can share one group.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use kconnect_distributed::connection::Dialer;
use kconnect_distributed::group::{GroupMember, GroupTimings, Joined};
use kconnect_distributed::group_security::GroupSecurity;
use kconnect_registry::{FORWARDED, Forwarded, LeaderAnswer, Leadership, Writer};
use serde::{Deserialize, Serialize};

/// The group protocol type of schema registries.
const PROTOCOL_TYPE: &str = "sr";
/// Their one subprotocol.
const PROTOCOL: &str = "v0";
/// An assignment's error when two members have the same URL.
const DUPLICATE_URLS: i16 = 1;
/// How long to wait before joining again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// A member as the group sees it (Confluent's `SchemaRegistryIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Always 1.
    pub version: i32,
    /// The host other members reach it at.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Whether it may be elected.
    #[serde(rename = "master_eligibility")]
    pub eligible: bool,
    /// `http` or `https`.
    #[serde(default = "http")]
    pub scheme: String,
    /// Whether it leads now (so that a new assignment keeps it).
    #[serde(default)]
    pub leader: bool,
}

fn http() -> String {
    "http".into()
}

impl Identity {
    /// The identity of a member reached at `url` (`scheme://host:port`).
    pub fn of_url(url: &str, eligible: bool) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url)?;
        Ok(Self {
            version: 1,
            host: parsed.host_str().unwrap_or_default().to_string(),
            port: parsed
                .port_or_known_default()
                .ok_or_else(|| anyhow::anyhow!("{url} has no port"))?,
            eligible,
            scheme: parsed.scheme().to_string(),
            leader: false,
        })
    }

    /// The URL it is reached at.
    pub fn url(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// What every member is assigned (Confluent's `SchemaRegistryProtocol.Assignment`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Assignment {
    version: i32,
    error: i16,
    #[serde(rename = "master", default)]
    leader: Option<String>,
    #[serde(rename = "master_identity", default)]
    leader_identity: Option<Identity>,
}

/// The assignment the group's leader gives every member: the eligible member with the smallest
/// URL, or the one member that already leads.
fn assign(members: &[(String, Identity)]) -> Assignment {
    let eligible = || members.iter().filter(|(_, identity)| identity.eligible);
    let leading: Vec<_> = eligible().filter(|(_, identity)| identity.leader).collect();
    let chosen = match leading.as_slice() {
        [one] => Some(*one),
        _ => eligible().min_by_key(|(_, identity)| identity.url()),
    };
    let mut urls: Vec<String> = members.iter().map(|(_, identity)| identity.url()).collect();
    urls.sort();
    urls.dedup();
    Assignment {
        version: 1,
        error: if urls.len() == members.len() { 0 } else { DUPLICATE_URLS },
        leader: chosen.map(|(id, _)| id.clone()),
        leader_identity: chosen.map(|(_, identity)| identity.clone()),
    }
}

/// This member's view of the election, and the client it forwards writes with.
pub struct Election {
    writer: RwLock<Writer>,
    client: reqwest::Client,
    /// Set when the process stops: the member leaves the group, so that another is elected at
    /// once rather than after this one's session.
    stopping: tokio::sync::watch::Sender<bool>,
}

#[async_trait::async_trait]
impl Leadership for Election {
    fn writer(&self) -> Writer {
        self.writer.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn forward(&self, leader: &str, request: Forwarded) -> Result<LeaderAnswer, String> {
        let url = format!("{leader}{}", request.path_and_query);
        let mut call = self.client.request(request.method, &url).header(FORWARDED, "true");
        for (name, value) in &request.headers {
            if matches!(name.as_str(), "content-type" | "accept" | "authorization") {
                call = call.header(name, value);
            }
        }
        let answer = call
            .body(request.body)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = answer.status().as_u16();
        let content_type = answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = answer.bytes().await.map_err(|e| format!("{url}: {e}"))?;
        Ok(LeaderAnswer {
            status,
            content_type,
            body,
        })
    }
}

impl Election {
    /// Waits up to `timeout` for a writer to be known (this member or another): whether one is.
    pub async fn elected(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.writer() == Writer::Unknown {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        true
    }

    /// Leaves the group (waiting up to `timeout` for the coordinator to hear it).
    pub async fn leave(&self, timeout: Duration) {
        let mut left = self.stopping.subscribe();
        self.stopping.send_replace(true);
        let _ = tokio::time::timeout(timeout, left.wait_for(|stopping| !*stopping)).await;
    }

    fn set(&self, writer: Writer) {
        *self.writer.write().unwrap_or_else(|e| e.into_inner()) = writer;
    }
}

/// Where and how a member takes part.
pub struct ElectionSettings {
    /// The Kafka cluster.
    pub bootstrap: String,
    /// The group (`schema.registry.group.id`).
    pub group: String,
    /// How the group connection is secured (the `--client-config` keys).
    pub security: GroupSecurity,
    /// This member.
    pub identity: Identity,
    /// The client writes are forwarded with.
    pub client: reqwest::Client,
}

/// Takes part in the election until the process ends; `catch_up` reads the topic to its end,
/// which the member elected does before it writes. Returns this member's view of it.
pub fn start<F>(settings: ElectionSettings, catch_up: F) -> Arc<Election>
where
    F: Fn() -> futures::future::BoxFuture<'static, anyhow::Result<()>> + Send + Sync + 'static,
{
    let election = Arc::new(Election {
        writer: RwLock::new(Writer::Unknown),
        client: settings.client.clone(),
        stopping: tokio::sync::watch::channel(false).0,
    });
    let view = election.clone();
    tokio::spawn(async move {
        let mut identity = settings.identity.clone();
        let mut standing = Standing::default();
        loop {
            view.set(Writer::Unknown);
            match take_part(&settings, &mut identity, &mut standing, &view, &catch_up).await {
                Ok(()) => {
                    // Left the group: tell the one waiting in `leave`.
                    view.stopping.send_replace(false);
                    return;
                }
                Err(err) => {
                    tracing::warn!(error = format!("{err:#}"), group = %settings.group, "schema registry election: joining again")
                }
            }
            standing.rejoining = true;
            tokio::time::sleep(RETRY).await;
        }
    });
    election
}

/// What a member keeps across rounds and reconnects.
#[derive(Debug, Default)]
struct Standing {
    /// Its member id, once it has one: a reconnect joins as it, leaving no second member of this
    /// process behind.
    member_id: String,
    /// The generation of its last round.
    generation: i32,
    /// Whether it is joining again because the coordinator asked or the membership failed.
    rejoining: bool,
    /// Trailing spaces of its metadata, toggled to make it new (see `elect`).
    spaces: usize,
}

/// Joins the group and follows its assignments until the membership fails (an error) or the
/// process stops (`Ok`, having left the group).
async fn take_part<F>(
    settings: &ElectionSettings,
    identity: &mut Identity,
    standing: &mut Standing,
    view: &Election,
    catch_up: &F,
) -> anyhow::Result<()>
where
    F: Fn() -> futures::future::BoxFuture<'static, anyhow::Result<()>>,
{
    let timings = GroupTimings {
        session: Duration::from_secs(10),
        rebalance: Duration::from_secs(60),
        heartbeat: Duration::from_secs(3),
    };
    let dialer = Dialer::new("kconnect-schema-registry", settings.security.clone());
    let mut member = GroupMember::connect(&settings.bootstrap, &settings.group, dialer, timings)
        .await?
        .with_protocol_type(PROTOCOL_TYPE);
    member.member_id.clone_from(&standing.member_id);
    loop {
        view.set(Writer::Unknown);
        // Heartbeats go on while joining: some coordinators (the embedded broker) hold a join for
        // seconds and count only heartbeats as signs of life.
        let keep_alive = tokio::spawn(member.heartbeats().keep_alive());
        let joined = elect(&mut member, identity, standing.spaces).await;
        keep_alive.abort();
        standing.member_id.clone_from(&member.member_id);
        let (joined, assignment) = joined?;
        // A rebalance that ends in the generation it was to replace did not happen: the embedded
        // broker keeps an expired leader's generation (and its assignment) until a member's
        // metadata changes.
        if standing.rejoining && joined.generation == standing.generation {
            tracing::debug!(
                generation = joined.generation,
                "schema registry election: the coordinator kept the generation"
            );
            standing.spaces = 1 - standing.spaces;
            tokio::time::sleep(RETRY).await;
            continue;
        }
        standing.generation = joined.generation;
        standing.rejoining = false;
        identity.leader = assignment.leader.as_deref() == Some(joined.member_id.as_str());
        if assignment.error == DUPLICATE_URLS {
            // Usually a process started again while its earlier self still holds the group: once
            // that one's session has ended, a new round leaves it out.
            tracing::warn!(
                group = %settings.group,
                "schema registry election: two members have the same URL (an earlier run of this one whose session has not ended, or give each a URL the others reach it at with --advertised-url)"
            );
            tokio::time::sleep(timings.session).await;
            standing.spaces = 1 - standing.spaces;
            continue;
        }
        let writer = match &assignment.leader_identity {
            Some(_) if identity.leader => {
                catch_up().await?;
                Writer::Here
            }
            Some(leader) => Writer::Leader(leader.url()),
            None => Writer::Unknown,
        };
        tracing::info!(generation = joined.generation, leader = ?writer, "schema registry election");
        view.set(writer);
        let mut stopping = view.stopping.subscribe();
        let failed = tokio::select! {
            failed = member.heartbeats().run() => failed,
            () = async { _ = stopping.wait_for(|stopping| *stopping).await } => {
                member.leave().await?;
                tracing::info!(group = %settings.group, "schema registry election: left the group");
                return Ok(());
            }
        };
        standing.rejoining = true;
        tracing::info!(reason = %failed, "schema registry election: rebalancing");
    }
}

/// One round: joins with this member's identity and syncs, assigning every member (when this
/// one leads the group) the one writer; the join and the assignment. `spaces` trailing spaces,
/// toggled when the members changed without a rebalance, make the metadata new, so that a
/// coordinator that keeps an unchanged member's generation (the embedded broker, after a member
/// expired) starts a new one; JSON readers, Confluent's among them, ignore them.
async fn elect(member: &mut GroupMember, identity: &Identity, spaces: usize) -> anyhow::Result<(Joined, Assignment)> {
    let mut metadata = serde_json::to_vec(identity)?;
    metadata.extend(std::iter::repeat_n(b' ', spaces));
    let joined = member.join(&[(PROTOCOL, metadata)]).await?;
    let assignments = if joined.leader == joined.member_id {
        let members = joined
            .members
            .iter()
            .map(|(id, metadata)| Ok((id.clone(), serde_json::from_slice(metadata)?)))
            .collect::<serde_json::Result<Vec<(String, Identity)>>>()?;
        let assignment = serde_json::to_vec(&assign(&members))?;
        members.into_iter().map(|(id, _)| (id, assignment.clone())).collect()
    } else {
        Vec::new()
    };
    let assignment = serde_json::from_slice(&member.sync(assignments).await?)?;
    Ok((joined, assignment))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, url: &str, eligible: bool, leader: bool) -> (String, Identity) {
        let mut identity = Identity::of_url(url, eligible).unwrap();
        identity.leader = leader;
        (id.to_string(), identity)
    }

    #[test]
    fn the_smallest_eligible_url_leads_unless_one_member_already_does() {
        let members = [
            member("m1", "http://b:8081", true, false),
            member("m2", "http://a:8081", false, false),
            member("m3", "http://c:8081", true, false),
        ];
        let assignment = assign(&members);
        assert_eq!(assignment.leader.as_deref(), Some("m1"), "a is not eligible");
        assert_eq!(assignment.error, 0);
        let sticky = [
            member("m1", "http://b:8081", true, false),
            member("m3", "http://c:8081", true, true),
        ];
        assert_eq!(assign(&sticky).leader.as_deref(), Some("m3"));
        let same = [
            member("m1", "http://a:8081", true, false),
            member("m2", "http://a:8081", true, false),
        ];
        assert_eq!(assign(&same).error, DUPLICATE_URLS);
    }

    #[test]
    fn identities_and_assignments_are_confluents_json() {
        let identity = Identity::of_url("https://sr1:8443", true).unwrap();
        assert_eq!(
            serde_json::to_value(&identity).unwrap(),
            serde_json::json!({"version": 1, "host": "sr1", "port": 8443, "master_eligibility": true, "scheme": "https", "leader": false})
        );
        let assignment: Assignment = serde_json::from_str(
            r#"{"version":1,"error":0,"master":"m1","master_identity":{"version":1,"host":"sr1","port":8081,"master_eligibility":true}}"#,
        )
        .unwrap();
        assert_eq!(assignment.leader_identity.unwrap().url(), "http://sr1:8081");
    }
}
