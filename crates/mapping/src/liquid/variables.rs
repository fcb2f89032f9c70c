//! The variables a template reads: liquidjs' static analysis (`analyze`, then
//! `fullVariablesSync`), which actions-core's `getLiquidKeys` returns. Only the port of
//! `getFieldValueKeys` uses it, and that is checked against the reference by the tests.

use super::lex::{FArg, Filtered, Item, Tok};
use super::parse::Node;
use super::{value, Compiled, Liquid};

impl Liquid {
    /// The variable paths the template reads (`getLiquidKeys`, i.e. liquidjs'
    /// `fullVariablesSync`); empty when the template does not parse.
    pub(crate) fn keys(&self) -> Vec<String> {
        let Compiled::Parsed(p) = &self.compiled else {
            // liquidjs parses without the 1000-character check here.
            return match &self.compiled {
                Compiled::TooLong => Vec::new(),
                _ => Vec::new(),
            };
        };
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        analyze(&p.nodes, &mut groups);
        let mut out: Vec<String> = Vec::new();
        for (_, vars) in groups {
            for v in vars {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }
}

enum Seg {
    Str(String),
    Num(f64),
    Var(Vec<Seg>),
}

fn is_property(s: &str) -> bool {
    let mut chars = s.chars();
    let ok_first = |c: char| !c.is_ascii() || c.is_ascii_alphabetic() || c == '_';
    let ok_rest = |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || c == '_' || c == '-';
    chars.next().is_some_and(ok_first) && chars.all(ok_rest)
}

fn segments_string(segs: &[Seg], bracketed_root: bool) -> String {
    let mut out = String::new();
    if let Some(Seg::Str(root)) = segs.first() {
        if !bracketed_root || is_property(root) {
            out.push_str(root);
        } else {
            out.push_str(&format!("['{root}']"));
        }
    }
    for seg in segs.iter().skip(1) {
        match seg {
            Seg::Var(inner) => out.push_str(&format!("[{}]", segments_string(inner, false))),
            Seg::Str(s) if is_property(s) => out.push_str(&format!(".{s}")),
            Seg::Str(s) => out.push_str(&format!("['{s}']")),
            Seg::Num(n) => out.push_str(&format!("[{}]", value::num_str(*n))),
        }
    }
    out
}

fn prop_segments(props: &[Tok]) -> Vec<Seg> {
    let mut segs = Vec::new();
    for (i, p) in props.iter().enumerate() {
        match p {
            Tok::Quoted(s) | Tok::Word(s) => segs.push(Seg::Str(s.clone())),
            Tok::Num(n) => segs.push(Seg::Num(*n)),
            Tok::Prop { props: inner, .. } => {
                let nested = prop_segments(inner);
                if i == 0 {
                    segs.extend(nested);
                } else {
                    segs.push(Seg::Var(nested));
                }
            }
            _ => {}
        }
    }
    segs
}

fn push_var(segs: Vec<Seg>, groups: &mut Vec<(String, Vec<String>)>) {
    let root_key = segments_string(&segs[..segs.len().min(1)], false);
    let full = segments_string(&segs, true);
    match groups.iter_mut().find(|(k, _)| *k == root_key) {
        Some((_, list)) => list.push(full),
        None => groups.push((root_key, vec![full])),
    }
    for s in segs {
        if let Seg::Var(inner) = s {
            push_var(inner, groups);
        }
    }
}

fn tok_vars(t: &Tok, groups: &mut Vec<(String, Vec<String>)>) {
    match t {
        Tok::Range(a, b) => {
            tok_vars(a, groups);
            tok_vars(b, groups);
        }
        Tok::Prop { props, .. } => push_var(prop_segments(props), groups),
        _ => {}
    }
}

fn filtered_vars(f: &Filtered, groups: &mut Vec<(String, Vec<String>)>) {
    for item in &f.postfix {
        if let Item::Val(t) = item {
            tok_vars(t, groups);
        }
    }
    for filter in &f.filters {
        for a in &filter.args {
            match a {
                FArg::Pos(t) | FArg::Kw(_, Some(t)) => tok_vars(t, groups),
                FArg::Kw(_, None) => {}
            }
        }
    }
}

fn analyze(nodes: &[Node], groups: &mut Vec<(String, Vec<String>)>) {
    for n in nodes {
        match n {
            Node::Output(f, _) | Node::Assign(_, f, _) | Node::Echo(Some(f), _) => {
                filtered_vars(f, groups)
            }
            Node::Capture(_, body, _) | Node::Block(body) | Node::Seq(body) => {
                analyze(body, groups)
            }
            Node::If(branches, else_, _) => {
                for (c, _) in branches {
                    filtered_vars(c, groups);
                }
                for (_, body) in branches {
                    analyze(body, groups);
                }
                analyze(else_, groups);
            }
            Node::Unless(branches, else_, _) => {
                for (c, _, _) in branches {
                    filtered_vars(c, groups);
                }
                for (_, _, body) in branches {
                    analyze(body, groups);
                }
                analyze(else_, groups);
            }
            Node::Cycle {
                group, candidates, ..
            } => {
                for c in candidates {
                    filtered_vars(c, groups);
                }
                if let Some(g) = group {
                    tok_vars(g, groups);
                }
            }
            _ => {}
        }
    }
}
