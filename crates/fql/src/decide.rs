//! Which conditions decided a trigger's result, read off an observed evaluation
//! ([`Trigger::try_matches_observed`](crate::Trigger::try_matches_observed)): nothing here
//! evaluates a condition itself.
//!
//! A condition decides when the result would change with it: of an `and` that is false,
//! the condition that was false (evaluation stopped there); of an `or` that is true, the one
//! that was true; of an `and` that is true or an `or` that is false, every child's deciders.

use usermaven_json::Value;

use crate::tree::{Condition, Group};
use crate::validate::Observer;

/// One condition as evaluated: its FQL text, the value it read (`None`: `undefined`), and
/// its result.
#[derive(Debug, Clone, PartialEq)]
pub struct Decider {
    pub fql: String,
    pub actual: Option<Value>,
    pub result: bool,
}

enum Evaluated {
    Leaf(Decider),
    Group {
        or: bool,
        result: bool,
        children: Vec<Evaluated>,
    },
}

/// An [`Observer`] that keeps the evaluated tree; [`Decision::decided_by`] reads it.
#[derive(Default)]
pub struct Decision {
    /// Open groups: their operator and the children evaluated so far.
    stack: Vec<(bool, Vec<Evaluated>)>,
    root: Option<Evaluated>,
}

impl Decision {
    pub fn new() -> Decision {
        Decision::default()
    }

    /// The conditions that decided, in evaluation order. Empty when no condition was
    /// evaluated (an invalid trigger, an empty group, an evaluation that threw before any).
    pub fn decided_by(&self) -> Vec<Decider> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            collect(root, &mut out);
        }
        out
    }

    /// Whether the evaluation observed ran to its end (it did not throw, and the trigger
    /// had a group to evaluate).
    pub fn finished(&self) -> bool {
        self.root.is_some()
    }

    /// Every condition evaluated, in order.
    pub fn evaluated(&self) -> Vec<Decider> {
        fn all(e: &Evaluated, out: &mut Vec<Decider>) {
            match e {
                Evaluated::Leaf(d) => out.push(d.clone()),
                Evaluated::Group { children, .. } => children.iter().for_each(|c| all(c, out)),
            }
        }
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            all(root, &mut out);
        }
        out
    }

    fn push(&mut self, e: Evaluated) {
        match self.stack.last_mut() {
            Some((_, children)) => children.push(e),
            None => self.root = Some(e),
        }
    }
}

fn collect(e: &Evaluated, out: &mut Vec<Decider>) {
    match e {
        Evaluated::Leaf(d) => out.push(d.clone()),
        Evaluated::Group {
            or,
            result,
            children,
        } => {
            // An `or` that is true and an `and` that is false stopped at the child that
            // decided; otherwise every child counted.
            if *or == *result {
                if let Some(last) = children.last() {
                    collect(last, out);
                }
            } else {
                children.iter().for_each(|c| collect(c, out));
            }
        }
    }
}

impl Observer for Decision {
    fn enter_group(&mut self, group: &Group) {
        self.stack
            .push((group.operator() == Some("or"), Vec::new()));
    }

    fn leave_group(&mut self, _group: &Group, result: bool) {
        if let Some((or, children)) = self.stack.pop() {
            self.push(Evaluated::Group {
                or,
                result,
                children,
            });
        }
    }

    fn condition(&mut self, condition: &Condition, actual: Option<&Value>, result: bool) {
        let fql = condition
            .fql()
            .unwrap_or_else(|_| format!("{:?}", condition.kind()));
        self.push(Evaluated::Leaf(Decider {
            fql,
            actual: actual.cloned(),
            result,
        }));
    }
}
