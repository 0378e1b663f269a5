//! The incremental cooperative assignor (KIP-415), run by the group leader: members keep what they
//! run, deleted and duplicated work is revoked, new work goes to the least loaded members, work of a
//! departed member waits up to `scheduled.rebalance.max.delay.ms` for it to come back, and an
//! uneven spread is evened out by revoking the excess for the next round to hand out.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::protocol::{CONNECTOR_TASK, Work};

/// One unit of work: a connector (task id `-1`) or one of its tasks.
pub type Item = (String, i32);

/// A set of work items.
pub type Items = BTreeSet<Item>;

/// The assignor's answer for one member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberOutcome {
    /// Everything the member is to run from now on (kconnect members converge on this set, so an
    /// assignment they miss does no lasting harm).
    pub assigned: Items,
    /// What it ran before and must stop.
    pub revoked: Items,
}

/// The leader's answer for the whole group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Per present member id.
    pub members: BTreeMap<String, MemberOutcome>,
    /// Time left before lost work is reassigned; zero when nothing waits.
    pub delay: Duration,
}

/// The timings the assignor works with.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// `scheduled.rebalance.max.delay.ms`: how long a departed member's work waits for it.
    pub max_delay: Duration,
    /// How long a member missing from one round still counts as alive (`session.timeout.ms`);
    /// a coordinator may answer a join before every member has rejoined.
    pub grace: Duration,
    /// Now.
    pub now: Instant,
}

/// What the leader remembers between rebalances.
#[derive(Debug, Default)]
pub struct Assignor {
    /// What each member was told to run, including lost work kept for a departed one.
    previous: BTreeMap<String, Items>,
    /// When each member was last present.
    last_seen: BTreeMap<String, Instant>,
    /// When lost work is reassigned if its worker does not come back.
    deadline: Option<Instant>,
    /// The members missing from the last round but still within their grace.
    absent: BTreeSet<String>,
}

/// Converts wire work to items.
pub fn items(work: &Work) -> Items {
    work.iter()
        .flat_map(|(connector, tasks)| tasks.iter().map(move |task| (connector.clone(), *task)))
        .collect()
}

/// Converts items to wire work.
pub fn work(items: &Items) -> Work {
    let mut work = Work::new();
    for (connector, task) in items {
        work.entry(connector.clone()).or_default().push(*task);
    }
    work
}

fn is_connector(item: &Item) -> bool {
    item.1 == CONNECTOR_TASK
}

impl Assignor {
    /// Whether this leader has assigned nothing yet (it just became leader).
    pub fn is_fresh(&self) -> bool {
        self.previous.is_empty()
    }

    /// Remembers work that others run (a new leader learns it from the status topic), so that a
    /// worker missing from this leader's first rounds keeps its work until it is really gone.
    pub fn remember(&mut self, running: BTreeMap<String, Items>, now: Instant) {
        for (worker, work) in running {
            self.last_seen.entry(worker.clone()).or_insert(now);
            self.previous.entry(worker).or_insert(work);
        }
    }

    /// Assigns `configured` work to the present `members` (member id → what it reports running).
    /// A member the leader already knows is taken to run what it was last told; `released` is
    /// work a departed member stopped gracefully, handed over without the delay.
    pub fn assign(
        &mut self,
        members: &BTreeMap<String, Items>,
        configured: &Items,
        released: &Items,
        timing: Timing,
    ) -> Outcome {
        let now = timing.now;
        for member in members.keys() {
            self.last_seen.insert(member.clone(), now);
        }
        let mut absent = BTreeMap::new();
        let mut departed = BTreeMap::new();
        for (member, work) in std::mem::take(&mut self.previous) {
            if members.contains_key(&member) {
                self.previous.insert(member, work);
            } else if self
                .last_seen
                .get(&member)
                .is_some_and(|seen| now.duration_since(*seen) < timing.grace)
            {
                absent.insert(member, work);
            } else {
                departed.insert(member, work);
            }
        }
        self.last_seen
            .retain(|member, _| members.contains_key(member) || absent.contains_key(member));
        let before: BTreeMap<String, Items> = members
            .iter()
            .map(|(member, reported)| (member.clone(), self.previous.get(member).unwrap_or(reported).clone()))
            .collect();
        let mut holders: BTreeMap<Item, usize> = BTreeMap::new();
        for item in before.values().chain(absent.values()).flatten() {
            *holders.entry(item.clone()).or_default() += 1;
        }
        let keep = |item: &Item| configured.contains(item) && holders[item] == 1;
        let mut held: BTreeMap<String, Items> = before
            .iter()
            .map(|(member, work)| (member.clone(), work.iter().filter(|i| keep(i)).cloned().collect()))
            .collect();
        let absent: BTreeMap<String, Items> = absent
            .into_iter()
            .map(|(member, work)| (member, work.into_iter().filter(|i| keep(i)).collect()))
            .collect();
        let active: Items = held.values().chain(absent.values()).flatten().cloned().collect();
        let lost: Items = departed
            .values()
            .flatten()
            .filter(|item| configured.contains(*item) && !active.contains(*item))
            .cloned()
            .collect();
        let (mut to_assign, waiting): (Items, Items) = lost
            .iter()
            .cloned()
            .partition(|item| released.contains(item) || timing.max_delay.is_zero());
        let mut outcome = Outcome::default();
        if waiting.is_empty() {
            self.deadline = None;
        } else {
            let deadline = *self.deadline.get_or_insert(now + timing.max_delay);
            if now >= deadline {
                self.deadline = None;
                to_assign.extend(waiting.iter().cloned());
            } else {
                outcome.delay = deadline - now;
            }
        }
        // Work taken from a member starts elsewhere only in a later round, once it has stopped.
        let taken: Items = before
            .values()
            .flatten()
            .filter(|i| !active.contains(*i))
            .cloned()
            .collect();
        to_assign.extend(
            configured
                .iter()
                .filter(|i| !active.contains(*i) && !lost.contains(*i) && !taken.contains(*i))
                .cloned(),
        );
        for item in sorted_connectors_first(&to_assign) {
            if let Some(member) = least_loaded(&held, is_connector(&item)) {
                held.get_mut(&member).map(|w| w.insert(item));
            }
        }
        // Rejoin when the grace of a missing member runs out, to learn whether it is gone. A
        // member back after missing a round is checked again a grace later: a coordinator may
        // still list a member that died (tansu 0.6 does until its session times out, then drops
        // it without a rebalance), and only a later round tells the two apart.
        let returned = members.keys().any(|member| self.absent.contains(member));
        let grace_left = absent
            .keys()
            .filter_map(|member| self.last_seen.get(member))
            .map(|seen| (*seen + timing.grace).saturating_duration_since(now) + Duration::from_millis(100))
            .chain(returned.then(|| timing.grace + Duration::from_millis(100)))
            .min();
        self.absent = absent.keys().cloned().collect();
        if let Some(left) = grace_left {
            outcome.delay = if outcome.delay.is_zero() {
                left
            } else {
                outcome.delay.min(left)
            };
        }
        let revoking = before.iter().any(|(member, work)| !work.is_subset(&held[member]));
        if outcome.delay.is_zero() && absent.is_empty() && !revoking {
            for connectors in [true, false] {
                balance(&mut held, connectors);
            }
        }
        for (member, target) in &held {
            let revoked = before[member].difference(target).cloned().collect();
            outcome.members.insert(
                member.clone(),
                MemberOutcome {
                    assigned: target.clone(),
                    revoked,
                },
            );
        }
        self.previous = held;
        self.previous.extend(absent);
        if !outcome.delay.is_zero() {
            for (member, work) in departed {
                self.previous
                    .insert(member, work.intersection(&waiting).cloned().collect());
            }
        }
        outcome
    }
}

fn sorted_connectors_first(items: &Items) -> Vec<Item> {
    let (mut connectors, tasks): (Vec<Item>, Vec<Item>) = items.iter().cloned().partition(is_connector);
    connectors.extend(tasks);
    connectors
}

fn load(work: &Items, connectors: bool) -> usize {
    work.iter().filter(|item| is_connector(item) == connectors).count()
}

fn least_loaded(held: &BTreeMap<String, Items>, connectors: bool) -> Option<String> {
    held.iter()
        .min_by_key(|(member, work)| (load(work, connectors), load(work, !connectors), (*member).clone()))
        .map(|(member, _)| member.clone())
}

/// Takes work from members above their fair share while another is below it; the next round
/// hands it out.
fn balance(held: &mut BTreeMap<String, Items>, connectors: bool) {
    let members = held.len();
    if members == 0 {
        return;
    }
    let total: usize = held.values().map(|w| load(w, connectors)).sum();
    let floor = total / members;
    let ceil = total.div_ceil(members);
    loop {
        let Some((busiest, most)) = held
            .iter()
            .map(|(member, work)| (member.clone(), load(work, connectors)))
            .max_by_key(|(_, load)| *load)
        else {
            return;
        };
        let fewest = held.values().map(|w| load(w, connectors)).min().unwrap_or(0);
        if most <= ceil && (fewest >= floor || most <= floor) {
            return;
        }
        let work = held.get_mut(&busiest).expect("busiest member is held");
        let Some(item) = work.iter().rev().find(|item| is_connector(item) == connectors).cloned() else {
            return;
        };
        work.remove(&item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(name: &str, tasks: i32) -> Items {
        std::iter::once((name.to_string(), CONNECTOR_TASK))
            .chain((0..tasks).map(|t| (name.to_string(), t)))
            .collect()
    }

    fn members(names: &[&str]) -> BTreeMap<String, Items> {
        names.iter().map(|n| (n.to_string(), Items::new())).collect()
    }

    /// Members take on their targets.
    fn apply(members: &mut BTreeMap<String, Items>, outcome: &Outcome) {
        for (member, result) in &outcome.members {
            if let Some(work) = members.get_mut(member) {
                *work = result.assigned.clone();
            }
        }
    }

    fn loads(members: &BTreeMap<String, Items>) -> Vec<(usize, usize)> {
        members.values().map(|w| (load(w, true), load(w, false))).collect()
    }

    fn at(start: Instant, seconds: u64, max_delay: u64) -> Timing {
        Timing {
            max_delay: Duration::from_secs(max_delay),
            grace: Duration::from_secs(3),
            now: start + Duration::from_secs(seconds),
        }
    }

    #[test]
    fn spreads_three_connectors_and_nine_tasks_evenly_without_moving_anything() {
        let mut assignor = Assignor::default();
        let mut group = members(&["a", "b", "c"]);
        let mut configured = Items::new();
        let start = Instant::now();
        for (name, tasks) in [("source", 1), ("sink1", 4), ("sink2", 4)] {
            configured.extend(connector(name, tasks));
            let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 0, 0));
            assert!(outcome.members.values().all(|m| m.revoked.is_empty()), "{outcome:?}");
            apply(&mut group, &outcome);
        }
        assert_eq!(loads(&group), vec![(1, 3), (1, 3), (1, 3)]);
    }

    #[test]
    fn lost_work_waits_for_the_delay_then_moves() {
        let mut assignor = Assignor::default();
        let mut group = members(&["a", "b"]);
        let configured = connector("c", 3);
        let start = Instant::now();
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 0, 10));
        apply(&mut group, &outcome);
        let lost = group.remove("b").unwrap();
        let kept = group["a"].clone();
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 1, 10));
        assert_eq!(
            outcome.delay,
            Duration::from_millis(2_100),
            "within the grace b may still come back; the group looks again when it runs out"
        );
        assert_eq!(outcome.members["a"].assigned, kept);
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 4, 10));
        assert_eq!(
            outcome.delay,
            Duration::from_secs(10),
            "the delay starts when the loss is noticed"
        );
        assert_eq!(outcome.members["a"].assigned, kept);
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 8, 10));
        assert_eq!(outcome.delay, Duration::from_secs(6));
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 14, 10));
        assert_eq!(outcome.delay, Duration::ZERO);
        assert_eq!(outcome.members["a"].assigned, configured);
        assert!(lost.is_subset(&outcome.members["a"].assigned));
    }

    #[test]
    fn a_member_missing_from_one_round_keeps_its_work() {
        let mut assignor = Assignor::default();
        let mut group = members(&["a", "b", "c"]);
        let configured = connector("s", 5);
        let start = Instant::now();
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 0, 60));
        apply(&mut group, &outcome);
        let partial: BTreeMap<String, Items> = group
            .iter()
            .filter(|(m, _)| *m == "a")
            .map(|(m, w)| (m.clone(), w.clone()))
            .collect();
        let outcome = assignor.assign(&partial, &configured, &Items::new(), at(start, 1, 60));
        assert_eq!(
            outcome.members["a"].assigned, group["a"],
            "nothing of b's or c's moves to a"
        );
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 2, 60));
        for member in ["a", "b", "c"] {
            assert_eq!(outcome.members[member].assigned, group[member]);
        }
        assert!(
            !outcome.delay.is_zero(),
            "members back after a missed round are checked again a grace later"
        );
        let again = assignor.assign(&group, &configured, &Items::new(), at(start, 20, 60));
        assert!(again.delay.is_zero(), "a second full round settles the group");
    }

    #[test]
    fn released_work_moves_at_once_and_deleted_work_is_revoked() {
        let mut assignor = Assignor::default();
        let mut group = members(&["a", "b"]);
        let mut configured = connector("c", 2);
        let start = Instant::now();
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 0, 60));
        apply(&mut group, &outcome);
        let released = group.remove("b").unwrap();
        let outcome = assignor.assign(&group, &configured, &released, at(start, 5, 60));
        assert!(released.is_subset(&outcome.members["a"].assigned));
        apply(&mut group, &outcome);
        configured.retain(|item| item.1 != 1);
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 6, 60));
        assert_eq!(outcome.members["a"].revoked, Items::from([("c".to_string(), 1)]));
    }

    #[test]
    fn a_new_member_gets_work_through_a_revoking_round() {
        let mut assignor = Assignor::default();
        let mut group = members(&["a"]);
        let configured = connector("c", 4);
        let start = Instant::now();
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 0, 0));
        apply(&mut group, &outcome);
        group.insert("b".into(), Items::new());
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 1, 0));
        assert_eq!(outcome.members["a"].revoked.len(), 2);
        assert!(
            outcome.members["b"].assigned.is_empty(),
            "moved work starts only after it stopped"
        );
        apply(&mut group, &outcome);
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 2, 0));
        apply(&mut group, &outcome);
        assert_eq!(loads(&group), vec![(1, 2), (0, 2)]);
    }

    #[test]
    fn duplicated_work_is_revoked_everywhere_then_placed_once() {
        let mut assignor = Assignor::default();
        let configured = connector("c", 1);
        let mut group: BTreeMap<String, Items> = [
            ("a".to_string(), configured.clone()),
            ("b".to_string(), configured.clone()),
        ]
        .into();
        let start = Instant::now();
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 0, 0));
        assert_eq!(outcome.members["a"].revoked, configured);
        assert_eq!(outcome.members["b"].revoked, configured);
        apply(&mut group, &outcome);
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 1, 0));
        apply(&mut group, &outcome);
        assert_eq!(loads(&group), vec![(1, 0), (0, 1)]);
    }

    #[test]
    fn a_new_leader_keeps_what_a_missing_worker_runs_until_it_is_gone() {
        let mut assignor = Assignor::default();
        let group = members(&["a"]);
        let configured = connector("c", 2);
        let start = Instant::now();
        let elsewhere: Items = [("c".to_string(), 0)].into();
        assignor.remember([("worker-b".to_string(), elsewhere.clone())].into(), start);
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 1, 5));
        assert!(outcome.members["a"].assigned.is_disjoint(&elsewhere));
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 4, 5));
        assert_eq!(outcome.delay, Duration::from_secs(5));
        let outcome = assignor.assign(&group, &configured, &Items::new(), at(start, 9, 5));
        assert_eq!(outcome.members["a"].assigned, configured);
    }

    #[test]
    fn a_missed_assignment_is_made_good_by_the_next() {
        let mut assignor = Assignor::default();
        let group = members(&["a", "b"]);
        let configured = connector("c", 3);
        let start = Instant::now();
        let first = assignor.assign(&group, &configured, &Items::new(), at(start, 0, 0));
        let second = assignor.assign(&group, &configured, &Items::new(), at(start, 1, 0));
        assert_eq!(first, second, "members that applied nothing are told the same again");
    }
}
