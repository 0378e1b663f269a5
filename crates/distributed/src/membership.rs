//! The worker's life in the group: join, let the leader assign, stop what is revoked, start what
//! is assigned, heartbeat, and rejoin when the group, the config topic or a scheduled delay asks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kconnect_runtime::status::State;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use crate::assignor::{Assignor, Items, Timing, items, work};
use crate::cluster::Cluster;
use crate::config_records::ConfigSnapshot;
use crate::connection::Dialer;
use crate::group::{GroupError, GroupMember, Joined, LastContact, codes};
use crate::leader;
use crate::protocol::{Assignment, CONFIG_MISMATCH, CONNECTOR_TASK, MemberMetadata, NO_ERROR, SUBPROTOCOLS};

const RETRY: Duration = Duration::from_millis(250);

/// The work the config topic asks for: every connector and each of its committed tasks.
pub fn configured(snapshot: &ConfigSnapshot) -> Items {
    let mut configured = Items::new();
    for name in snapshot.connectors.keys() {
        configured.insert((name.clone(), CONNECTOR_TASK));
        let tasks = snapshot.tasks.get(name).map_or(0, Vec::len);
        configured.extend((0..tasks as i32).map(|id| (name.clone(), id)));
    }
    configured
}

/// What a round of joining ended with.
struct Round {
    /// Join again at once (work was revoked, or configs did not match).
    again: bool,
    /// Join again after this long (lost work waits for its worker).
    delay: Duration,
}

/// The membership loop's state.
struct Membership {
    cluster: Arc<Cluster>,
    assignor: Assignor,
    /// The work the leader last assigned, to notice config changes that need a rebalance.
    assigned_configured: Items,
    member_id: String,
    /// Rounds joined, sent by the leader so each of its joins starts a rebalance.
    rounds: u64,
    /// When the coordinator last confirmed this worker's membership, across reconnects.
    contact: LastContact,
    /// The members of the generation this worker leads; empty when it does not lead.
    led_members: Vec<String>,
    /// The member id of the leader the last join named.
    leader_member: String,
    /// The last sync came back without an assignment for this member: the coordinator kept a
    /// generation whose assignments predate it, and only new metadata makes it start another.
    stale_assignment: bool,
}

/// Runs the membership loop until the worker stops, starting it again when it panics: a worker
/// whose loop died would otherwise keep its work and answer health checks while no longer taking
/// part in its group. The heartbeats of a loop that died die with it.
pub async fn supervised(cluster: Arc<Cluster>) {
    let stop = cluster.stop.clone();
    restart_on_panic("the group membership loop", &stop, || run(cluster.clone())).await;
}

/// Runs `make()` to its end on a task of its own, again (after [`RETRY`]) each time it panics,
/// until it ends or `stop` is cancelled.
async fn restart_on_panic<F, Fut>(what: &str, stop: &CancellationToken, make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match tokio::spawn(make()).await {
            Ok(()) => return,
            Err(err) if stop.is_cancelled() => {
                tracing::error!(error = %err, "{what} failed while the worker stopped");
                return;
            }
            Err(err) => {
                tracing::error!(error = %err, "{what} failed; starting it again");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// Runs the membership loop until the worker stops; then stops all work and leaves the group.
async fn run(cluster: Arc<Cluster>) {
    let mut membership = Membership {
        cluster: cluster.clone(),
        assignor: Assignor::default(),
        assigned_configured: Items::new(),
        member_id: String::new(),
        rounds: 0,
        contact: LastContact::default(),
        led_members: Vec::new(),
        leader_member: String::new(),
        stale_assignment: false,
    };
    let fencing = AbortOnDropHandle::new(tokio::spawn(fence_while_cut_off(
        cluster.clone(),
        membership.contact.clone(),
    )));
    let bootstrap = cluster.worker.config.bootstrap_servers.clone().unwrap_or_default();
    let client_id = format!("{}-{}", cluster.settings.group_id, cluster.worker.config.worker_id());
    let mut member: Option<GroupMember> = None;
    while !cluster.stop.is_cancelled() {
        let connected = match member.take() {
            Some(existing) => Ok(existing),
            None => {
                GroupMember::connect(
                    &bootstrap,
                    &cluster.settings.group_id,
                    Dialer::new(&client_id, cluster.settings.security.clone()),
                    cluster.settings.timings,
                )
                .await
            }
        };
        let mut current = match connected {
            Ok(current) => current,
            Err(err) => {
                tracing::warn!(error = %err, "cannot reach the group coordinator; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        current.member_id = membership.member_id.clone();
        current.contact = membership.contact.clone();
        match membership.take_part(&mut current).await {
            Ok(()) => member = Some(current),
            Err(err) => {
                membership.member_id = current.member_id.clone();
                tracing::warn!(error = %err, "group membership interrupted; reconnecting");
                tokio::time::sleep(RETRY).await;
            }
        }
        if cluster.stop.is_cancelled() {
            break;
        }
    }
    drop(fencing);
    let mut local = cluster.work.lock().await;
    local.stop_everything(&cluster.worker).await;
    cluster.status_log.flush().await;
    if let Some(mut member) = member {
        match member.leave().await {
            Ok(()) => tracing::info!("left the worker group"),
            Err(err) => tracing::warn!(error = %err, "could not leave the worker group"),
        }
    }
}

/// How often a worker checks that it is still in the group.
const FENCE_CHECK: Duration = Duration::from_millis(500);

/// Stops all work here once the coordinator has not confirmed this worker's membership for longer
/// than `session.timeout.ms` (the broker is out of reach, or the process was paused): the group
/// has then handed the work to other workers, or is about to, and it must not run twice. The
/// worker joins again with nothing and takes what it is assigned.
async fn fence_if_cut_off(cluster: &Cluster, contact: &LastContact) {
    let silent = contact.elapsed();
    if silent <= cluster.settings.timings.session {
        return;
    }
    let mut local = cluster.work.lock().await;
    if local.held().is_empty() {
        return;
    }
    tracing::warn!(
        silent_ms = silent.as_millis() as u64,
        "no word from the group coordinator for longer than session.timeout.ms; stopping this worker's connectors and tasks"
    );
    local.stop_everything(&cluster.worker).await;
}

/// Checks every [`FENCE_CHECK`] that the worker is still in the group, also while the membership
/// loop waits on a coordinator that does not answer.
async fn fence_while_cut_off(cluster: Arc<Cluster>, contact: LastContact) {
    let mut checks = tokio::time::interval(FENCE_CHECK);
    loop {
        checks.tick().await;
        fence_if_cut_off(&cluster, &contact).await;
    }
}

/// Drops the member id the coordinator no longer knows, so the next join gets a new one.
fn forget_unknown_member(member: &mut GroupMember, err: &GroupError) {
    if matches!(
        err,
        GroupError::Coordinator {
            code: codes::UNKNOWN_MEMBER_ID,
            ..
        }
    ) {
        member.member_id.clear();
    }
}

fn wants_rejoin(err: &GroupError) -> bool {
    matches!(
        err,
        GroupError::Coordinator {
            code: codes::REBALANCE_IN_PROGRESS | codes::ILLEGAL_GENERATION | codes::UNKNOWN_MEMBER_ID,
            ..
        }
    )
}

impl Membership {
    /// Takes part in the group until the worker stops (`Ok`) or the connection fails.
    async fn take_part(&mut self, member: &mut GroupMember) -> Result<(), GroupError> {
        loop {
            fence_if_cut_off(&self.cluster, &self.contact).await;
            let rebalances = &self.cluster.worker.metrics.rebalances;
            rebalances.began();
            let keep_alive = AbortOnDropHandle::new(tokio::spawn(member.heartbeats().keep_alive()));
            let round = self.round(member).await;
            drop(keep_alive);
            let (joined, assignment) = match round {
                Ok(Some(round)) => round,
                Ok(None) => {
                    tracing::debug!("joining again: the coordinator holds no assignment for this member");
                    self.stale_assignment = true;
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
                Err(err) if wants_rejoin(&err) => {
                    tracing::debug!(error = %err, "joining again");
                    forget_unknown_member(member, &err);
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
                Err(err) => return Err(err),
            };
            self.member_id = member.member_id.clone();
            let mut heartbeats = AbortOnDropHandle::new(tokio::spawn(member.heartbeats().run()));
            let leader_url = assignment.leader_url.clone();
            let round = self.apply(&joined, assignment).await;
            let rebalances = &self.cluster.worker.metrics.rebalances;
            rebalances.completed(&joined.protocol, &leader_url, i64::from(joined.generation));
            let outcome = if round.again {
                Ok(false)
            } else {
                let rejoin_at = (!round.delay.is_zero()).then(|| tokio::time::Instant::now() + round.delay);
                self.steady(member, rejoin_at, &mut heartbeats).await
            };
            drop(heartbeats);
            match outcome {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(err) if wants_rejoin(&err) => forget_unknown_member(member, &err),
                Err(err) => return Err(err),
            }
        }
    }

    /// Follows config changes while heartbeats go on, until a rejoin is due (`Ok(false)`), the
    /// worker stops (`Ok(true)`) or heartbeats fail.
    async fn steady(
        &mut self,
        member: &mut GroupMember,
        rejoin_at: Option<tokio::time::Instant>,
        heartbeats: &mut AbortOnDropHandle<GroupError>,
    ) -> Result<bool, GroupError> {
        let cluster = self.cluster.clone();
        let far = tokio::time::Instant::now() + Duration::from_secs(365 * 24 * 3600);
        if self.config_needs_rebalance() {
            return Ok(false);
        }
        let mut member_checks = tokio::time::interval(cluster.settings.timings.session);
        member_checks.tick().await;
        loop {
            tokio::select! {
                _ = cluster.stop.cancelled() => return Ok(true),
                _ = member_checks.tick() => {
                    if !self.led_members.is_empty() {
                        if self.a_member_left(member).await {
                            tracing::info!("a worker left the group without a rebalance; rejoining to hand its work on");
                            return Ok(false);
                        }
                    } else if self.leader_left(member).await {
                        tracing::info!("the group's leader left without a rebalance; leaving and joining again to start one");
                        if let Err(err) = member.leave().await {
                            tracing::debug!(error = %err, "could not leave the worker group");
                        }
                        member.member_id.clear();
                        return Ok(false);
                    }
                }
                ended = &mut *heartbeats => {
                    let err = ended.unwrap_or_else(|err| GroupError::Protocol(err.to_string()));
                    tracing::debug!(error = %err, "rejoining the group: heartbeats ended");
                    return Err(err);
                }
                _ = cluster.rejoin.notified() => {
                    tracing::debug!("rejoining the group: asked to");
                    return Ok(false);
                }
                _ = tokio::time::sleep_until(rejoin_at.unwrap_or(far)) => {
                    tracing::debug!("rejoining the group: the scheduled delay ran out");
                    return Ok(false);
                }
                _ = cluster.config_changed.notified() => {
                    let snapshot = cluster.snapshot();
                    cluster.work.lock().await.reconcile(&cluster.worker, &snapshot).await;
                    if self.config_needs_rebalance() {
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// Whether a member of the generation this worker leads is gone from the coordinator's group:
    /// some coordinators (the embedded broker) drop an expired member without starting a
    /// rebalance, which would leave its work unassigned.
    async fn a_member_left(&self, member: &mut GroupMember) -> bool {
        any_gone(member, &self.led_members).await
    }

    /// Whether the leader of the generation this worker follows is gone from the coordinator's
    /// group. The embedded broker drops an expired leader and keeps its generation, naming the
    /// gone leader to every join, so no new generation starts until a member leaves.
    async fn leader_left(&self, member: &mut GroupMember) -> bool {
        !self.leader_member.is_empty() && any_gone(member, std::slice::from_ref(&self.leader_member)).await
    }

    /// Whether this worker leads and the config topic now asks for other work than was assigned.
    fn config_needs_rebalance(&self) -> bool {
        self.cluster.leader().is_me && configured(&self.cluster.snapshot()) != self.assigned_configured
    }

    /// Joins and syncs; the assignment, or `None` when the round must be repeated.
    async fn round(&mut self, member: &mut GroupMember) -> Result<Option<(Joined, Assignment)>, GroupError> {
        let cluster = self.cluster.clone();
        let held = cluster.work.lock().await.held();
        let config_offset = cluster.snapshot().offset;
        // The leader rejoins to rebalance; a trailing round number (readers ignore trailing bytes)
        // makes its metadata new each time, so a coordinator that skips the rebalance for an
        // unchanged member still starts one. A member the last join named leader (before any
        // assignment told it so), or whose last sync found no assignment, does the same: the
        // embedded broker otherwise answers its unchanged join with the kept generation, and its
        // sync with that generation's assignments, again and again.
        let leading = cluster.leader().is_me || !self.led_members.is_empty() || self.stale_assignment;
        self.stale_assignment = false;
        self.rounds += 1;
        let protocols: Vec<(&str, Vec<u8>)> = SUBPROTOCOLS
            .iter()
            .map(|(name, version)| {
                let allocation = (*version >= 1 && !held.is_empty()).then(|| Assignment {
                    version: *version,
                    config_offset,
                    assigned: work(&held),
                    ..Assignment::default()
                });
                let metadata = MemberMetadata {
                    version: *version,
                    url: cluster.url.clone(),
                    config_offset,
                    allocation,
                };
                let mut bytes = metadata.encode();
                if leading {
                    bytes.extend(self.rounds.to_be_bytes());
                }
                (*name, bytes)
            })
            .collect();
        let joined = member.join(&protocols).await?;
        cluster.generation.store(joined.generation, Ordering::Relaxed);
        self.leader_member.clone_from(&joined.leader);
        self.led_members = if joined.leader == joined.member_id {
            joined.members.iter().map(|(id, _)| id.clone()).collect()
        } else {
            Vec::new()
        };
        let assignments = if joined.leader == joined.member_id {
            self.assign(&joined).await
        } else {
            Vec::new()
        };
        let bytes = member.sync(assignments).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        let assignment = Assignment::decode(&bytes).map_err(|err| GroupError::Protocol(err.to_string()))?;
        Ok(Some((joined, assignment)))
    }

    /// The leader's part: one assignment per member.
    async fn assign(&mut self, joined: &Joined) -> Vec<(String, Vec<u8>)> {
        let cluster = self.cluster.clone();
        let version = SUBPROTOCOLS
            .iter()
            .find(|(name, _)| *name == joined.protocol)
            .map_or(0, |(_, version)| *version);
        let members: BTreeMap<String, MemberMetadata> = joined
            .members
            .iter()
            .filter_map(|(id, bytes)| match MemberMetadata::decode(bytes) {
                Ok(metadata) => Some((id.clone(), metadata)),
                Err(err) => {
                    tracing::warn!(member = %id, error = %err, "ignoring a member whose metadata cannot be read");
                    None
                }
            })
            .collect();
        let newest = members.values().map(|m| m.config_offset).max().unwrap_or(-1);
        if cluster.snapshot().offset < newest
            && let Err(err) = cluster.read_config().await
        {
            tracing::warn!(error = %err, "leader could not read the config topic");
        }
        cluster.claim_write_privileges().await;
        leader::ensure_session_key(&cluster).await;
        let snapshot = cluster.snapshot();
        let template = Assignment {
            version,
            leader: joined.member_id.clone(),
            leader_url: cluster.url.clone(),
            config_offset: snapshot.offset,
            ..Assignment::default()
        };
        if snapshot.offset < newest {
            tracing::warn!(
                leader = snapshot.offset,
                newest,
                "leader's config is behind a member's; all rejoin"
            );
            let mismatch = Assignment {
                error: CONFIG_MISMATCH,
                ..template
            };
            return members.keys().map(|id| (id.clone(), mismatch.encode())).collect();
        }
        if let Err(err) = cluster.status_log.read_to_end().await {
            tracing::warn!(error = %err, "leader could not read the status topic");
        }
        let released = released_work(&cluster);
        if self.assignor.is_fresh() {
            let present: Vec<String> = members.values().map(|m| worker_id(&m.url)).collect();
            self.assignor
                .remember(running_elsewhere(&cluster, &present), Instant::now());
        }
        // The assignor knows workers by their REST address, which outlives member ids and is
        // how statuses name them; a worker present twice (an old member id not yet expired) is
        // counted once, under one of its member ids, and the other gets nothing.
        let workers: BTreeMap<String, &String> = members.iter().map(|(id, m)| (worker_id(&m.url), id)).collect();
        let held: BTreeMap<String, Items> = workers
            .iter()
            .map(|(worker, id)| {
                let allocation = members[*id].allocation.as_ref();
                (
                    worker.clone(),
                    allocation.map(|a| items(&a.assigned)).unwrap_or_default(),
                )
            })
            .collect();
        let configured = configured(&snapshot);
        let timing = Timing {
            max_delay: cluster.settings.max_delay,
            grace: cluster.settings.timings.session,
            now: Instant::now(),
        };
        let outcome = self.assignor.assign(&held, &configured, &released, timing);
        self.assigned_configured = configured;
        tracing::info!(
            generation = joined.generation,
            members = ?members.values().map(|m| m.url.as_str()).collect::<Vec<_>>(),
            delay_ms = outcome.delay.as_millis() as u64,
            "leader assigned work"
        );
        members
            .iter()
            .map(|(id, metadata)| {
                let worker = worker_id(&metadata.url);
                let chosen = workers.get(&worker).is_some_and(|chosen| *chosen == id);
                let result = outcome
                    .members
                    .get(&worker)
                    .filter(|_| chosen)
                    .cloned()
                    .unwrap_or_default();
                let assignment = Assignment {
                    error: NO_ERROR,
                    assigned: work(&result.assigned),
                    revoked: work(&result.revoked),
                    delay: outcome.delay.as_millis() as i32,
                    ..template.clone()
                };
                (id.clone(), assignment.encode())
            })
            .collect()
    }

    /// Stops what is revoked and starts what is assigned.
    async fn apply(&mut self, joined: &Joined, assignment: Assignment) -> Round {
        let cluster = self.cluster.clone();
        let leading = assignment.leader == joined.member_id;
        {
            let mut leader = cluster.leader.write().unwrap_or_else(|e| e.into_inner());
            leader.is_me = leading;
            leader.url = Some(assignment.leader_url.clone());
        }
        if !leading {
            cluster.release_write_privileges().await;
        }
        if assignment.error == CONFIG_MISMATCH || cluster.snapshot().offset < assignment.config_offset {
            if let Err(err) = cluster.read_config().await {
                tracing::warn!(error = %err, "could not catch up with the config topic");
            }
            if assignment.error == CONFIG_MISMATCH {
                return Round {
                    again: true,
                    delay: Duration::ZERO,
                };
            }
        }
        let target = items(&assignment.assigned);
        let snapshot = cluster.snapshot();
        let (assigned, revoked) = {
            let mut local = cluster.work.lock().await;
            let held = local.held();
            let revoked: Items = held.difference(&target).cloned().collect();
            let assigned: Items = target.difference(&held).cloned().collect();
            local.stop(&cluster.worker, &revoked).await;
            if assigned.iter().any(|(_, task)| *task != CONNECTOR_TASK)
                && let Err(err) = cluster.offsets.read_to_end().await
            {
                tracing::warn!(error = %err, "could not read the offsets topic before starting tasks");
            }
            local.start(&cluster.worker, &assigned, &snapshot);
            local.reconcile(&cluster.worker, &snapshot).await;
            (assigned, revoked)
        };
        cluster.joined.store(true, Ordering::Release);
        tracing::info!(
            generation = joined.generation,
            assigned = assigned.len(),
            revoked = revoked.len(),
            leader = %assignment.leader_url,
            "joined the worker group"
        );
        Round {
            again: !revoked.is_empty(),
            delay: Duration::from_millis(assignment.delay.max(0) as u64),
        }
    }
}

/// Whether any of the member ids `ids` is missing from the coordinator's group now (not when the
/// coordinator cannot be asked).
async fn any_gone(member: &mut GroupMember, ids: &[String]) -> bool {
    match member.members_now().await {
        Ok(now) => ids.iter().any(|id| !now.contains(id)),
        Err(err) => {
            tracing::debug!(error = %err, "could not describe the worker group");
            false
        }
    }
}

/// Work whose last status is UNASSIGNED: its worker stopped it on purpose, so it need not wait.
fn released_work(cluster: &Cluster) -> Items {
    let mut released = Items::new();
    for status in cluster.worker.statuses.all() {
        if status.connector.state == State::Unassigned {
            released.insert((status.name.clone(), CONNECTOR_TASK));
        }
        for task in status.tasks.iter().filter(|t| t.status.state == State::Unassigned) {
            released.insert((status.name.clone(), task.id as i32));
        }
    }
    released
}

/// `host:port` of a worker's REST URL, as statuses name workers.
fn worker_id(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme.trim_end_matches('/').to_string()
}

/// What the status topic says runs on workers other than `present`, by worker.
fn running_elsewhere(cluster: &Cluster, present: &[String]) -> BTreeMap<String, Items> {
    let mut running: BTreeMap<String, Items> = BTreeMap::new();
    let live = |state: State| matches!(state, State::Running | State::Paused);
    for status in cluster.worker.statuses.all() {
        let mut note = |worker: &str, task: i32| {
            if !present.iter().any(|p| p == worker) {
                running
                    .entry(worker.to_string())
                    .or_default()
                    .insert((status.name.clone(), task));
            }
        };
        if live(status.connector.state) {
            note(&status.connector.worker_id, CONNECTOR_TASK);
        }
        for task in status.tasks.iter().filter(|t| live(t.status.state)) {
            note(&task.status.worker_id, task.id as i32);
        }
    }
    running
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_loop_that_panics_is_run_again_until_it_ends() {
        let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = runs.clone();
        restart_on_panic("the test loop", &CancellationToken::new(), move || {
            let runs = counted.clone();
            async move {
                if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("scripted");
                }
            }
        })
        .await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }
}
