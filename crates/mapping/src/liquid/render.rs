//! Rendering: liquidjs' `Render#renderTemplates`, `Context` lookups (`readProperty`
//! with `ownPropertyOnly`), expression evaluation and operators.

use std::collections::HashMap;

use usermaven_json::Object;

use super::filters;
use super::lex::{FArg, Filtered, Item, Lit, Op, Tok};
use super::parse::Node;
use super::value::{js_less, js_space, len16, DropKind, V};
use super::LErr;

/// A render-time failure: a plain JS error (wrapped in a `RenderError` at the template
/// that failed) or an already positioned liquid error.
pub(super) enum RErr {
    Raw(String),
    L(LErr),
}

pub(super) type R<T> = Result<T, RErr>;

pub(super) fn raw<T>(msg: impl Into<String>) -> R<T> {
    Err(RErr::Raw(msg.into()))
}

const MEMORY_LIMIT: f64 = 1e8;

pub(super) struct Ctx<'a, 'i> {
    pub(super) input: &'i [u16],
    env: V<'a>,
    /// `increment` / `decrement` counters (liquidjs writes them into the environment).
    counters: Vec<(String, f64)>,
    scopes: Vec<Vec<(String, V<'a>)>>,
    stop: bool,
    cycles: HashMap<String, usize>,
    memory: f64,
    pub(super) now: jiff::Timestamp,
}

impl<'a, 'i> Ctx<'a, 'i> {
    pub(super) fn new(input: &'i [u16], env: V<'a>, now: jiff::Timestamp) -> Ctx<'a, 'i> {
        super::value::take_conversion_error();
        Ctx {
            input,
            env,
            counters: Vec::new(),
            scopes: vec![Vec::new()],
            stop: false,
            cycles: HashMap::new(),
            memory: 0.0,
            now,
        }
    }

    /// liquidjs' memory `Limiter#use`.
    pub(super) fn mem(&mut self, n: f64) -> R<()> {
        if n > 0.0 {
            if self.memory + n > MEMORY_LIMIT || n.is_nan() {
                return raw("memory alloc limit exceeded");
            }
            self.memory += n;
        }
        Ok(())
    }

    pub(super) fn render(&mut self, nodes: &[Node], out: &mut String) -> Result<(), LErr> {
        for node in nodes {
            let mut result = self.render_node(node, out);
            if result.is_ok() && super::value::take_conversion_error() {
                result = raw("Cannot convert object to primitive value");
            }
            if let Err(e) = result {
                return Err(match e {
                    RErr::L(e) => e,
                    RErr::Raw(m) => LErr::at("RenderError", m, self.input, node_pos(node)),
                });
            }
            if self.stop {
                break;
            }
        }
        Ok(())
    }

    fn render_node(&mut self, node: &Node, out: &mut String) -> R<()> {
        match node {
            Node::Html(s) => out.push_str(s),
            Node::Output(f, _) | Node::Echo(Some(f), _) => {
                let v = self.eval_filtered(f)?.to_value();
                out.push_str(&v.stringify());
            }
            Node::Echo(None, _) | Node::Nothing => {}
            Node::Assign(key, f, _) => {
                let v = self.eval_filtered(f)?;
                set(&mut self.scopes[0], key, v);
            }
            Node::Capture(key, body, _) => {
                let mut s = String::new();
                self.render(body, &mut s).map_err(RErr::L)?;
                set(&mut self.scopes[0], key, V::str(s));
            }
            Node::If(branches, else_, _) => {
                for (cond, body) in branches {
                    if !self.eval_filtered(cond)?.to_value().is_falsy() {
                        return self.render(body, out).map_err(RErr::L);
                    }
                }
                self.render(else_, out).map_err(RErr::L)?;
            }
            Node::Unless(branches, else_, _) => {
                for (cond, want_truthy, body) in branches {
                    let truthy = !self.eval_filtered(cond)?.to_value().is_falsy();
                    if truthy == *want_truthy {
                        return self.render(body, out).map_err(RErr::L);
                    }
                }
                self.render(else_, out).map_err(RErr::L)?;
            }
            Node::Increment(var, dec) => {
                let cur = self
                    .counters
                    .iter()
                    .find(|(k, _)| k == var)
                    .map(|(_, n)| *n)
                    .or_else(|| match self.env_own(var) {
                        V::Num(n) => Some(n),
                        _ => None,
                    })
                    .unwrap_or(0.0);
                let (next, shown) = if *dec {
                    (cur - 1.0, cur - 1.0)
                } else {
                    (cur + 1.0, cur)
                };
                match self.counters.iter_mut().find(|(k, _)| k == var) {
                    Some(slot) => slot.1 = next,
                    None => self.counters.push((var.clone(), next)),
                }
                out.push_str(&V::Num(shown).stringify());
            }
            Node::Cycle {
                group,
                candidates,
                fingerprint,
                ..
            } => {
                let g = match group {
                    Some(t) => self.eval_tok(t)?,
                    None => V::Undef,
                };
                let key = format!("cycle:{}:{fingerprint}", g.js_string());
                let idx = *self.cycles.get(&key).unwrap_or(&0);
                self.cycles.insert(key, (idx + 1) % candidates.len().max(1));
                if let Some(c) = candidates.get(idx) {
                    let v = self.eval_filtered(c)?.to_value();
                    if js_truthy(&v) {
                        out.push_str(&v.stringify());
                    }
                }
            }
            Node::Block(body) => {
                self.scopes
                    .push(vec![("block".into(), V::Drop(DropKind::Block))]);
                let r = self.render(body, out);
                self.scopes.pop();
                r.map_err(RErr::L)?;
            }
            Node::Seq(body) => self.render(body, out).map_err(RErr::L)?,
            Node::Break | Node::Continue => self.stop = true,
        }
        Ok(())
    }

    // ---- evaluation ------------------------------------------------------------------------

    pub(super) fn eval_filtered(&mut self, f: &Filtered) -> R<V<'a>> {
        let mut val = self.eval_expr(&f.postfix)?;
        for filter in &f.filters {
            let mut args = Vec::with_capacity(filter.args.len());
            for a in &filter.args {
                args.push(match a {
                    FArg::Pos(t) => self.eval_tok(t)?,
                    FArg::Kw(k, t) => {
                        let v = match t {
                            Some(t) => self.eval_tok(t)?,
                            None => V::Undef,
                        };
                        V::arr(vec![V::str(k.clone()), v])
                    }
                });
            }
            val = filters::apply(self, &filter.name, val, args)?;
        }
        Ok(val)
    }

    fn eval_expr(&mut self, postfix: &[Item]) -> R<V<'a>> {
        let mut stack: Vec<V<'a>> = Vec::new();
        for item in postfix {
            match item {
                Item::Val(t) => {
                    let v = self.eval_tok(t)?;
                    stack.push(v);
                }
                Item::Op(op) => {
                    let r = stack.pop().unwrap_or(V::Undef);
                    let res = if *op == Op::Not {
                        r.to_value().is_falsy()
                    } else {
                        let l = stack.pop().unwrap_or(V::Undef);
                        binary(*op, &l, &r)
                    };
                    stack.push(V::Bool(res));
                }
            }
        }
        Ok(stack.into_iter().next().unwrap_or(V::Undef))
    }

    pub(super) fn eval_tok(&mut self, t: &Tok) -> R<V<'a>> {
        Ok(match t {
            Tok::Num(n) => V::Num(*n),
            Tok::Lit(l) => match l {
                Lit::True => V::Bool(true),
                Lit::False => V::Bool(false),
                Lit::Nil => V::Drop(DropKind::Nil),
                Lit::Empty => V::Drop(DropKind::Empty),
                Lit::Blank => V::Drop(DropKind::Blank),
            },
            Tok::Quoted(s) | Tok::Word(s) => V::str(s.clone()),
            Tok::Range(lo, hi) => {
                let lo = self.eval_tok(lo)?.to_value();
                let hi = self.eval_tok(hi)?.to_value();
                let (lo, hi) = (lo.js_number(), hi.js_number());
                self.mem(hi - lo + 1.0)?;
                // Deviation, to keep every event bounded: liquidjs would build up to 1e8
                // items (seconds and gigabytes here); past 1e6 we report its memory error.
                if hi - lo + 1.0 > 1e6 {
                    return raw("memory alloc limit exceeded");
                }
                let mut items = Vec::new();
                let mut i = lo;
                // `i + 1 == i` past 2^53: JS would loop forever; we stop.
                while i < hi + 1.0 && i + 1.0 != i {
                    items.push(V::Num(i));
                    i += 1.0;
                }
                V::arr(items)
            }
            Tok::Prop { variable, props } => {
                let mut keys = Vec::with_capacity(props.len());
                for p in props {
                    keys.push(self.eval_tok(p)?.to_value());
                }
                match variable {
                    Some(var) => {
                        let mut cur = self.eval_tok(var)?;
                        for k in &keys {
                            cur = read_property(&cur, k);
                        }
                        cur
                    }
                    None => {
                        let Some((first, rest)) = keys.split_first() else {
                            return Ok(V::Undef);
                        };
                        let mut cur = self.root(first);
                        for k in rest {
                            cur = read_property(&cur, k);
                        }
                        cur
                    }
                }
            }
        })
    }

    fn env_own(&self, key: &str) -> V<'a> {
        match &self.env {
            V::Obj(o) => o.get(key).map_or(V::Undef, V::from_value),
            _ => V::Undef,
        }
    }

    /// `Context#findScope` + `readProperty` for the first path segment.
    fn root(&self, key: &V<'a>) -> V<'a> {
        let k = key.prop_key();
        for scope in self.scopes.iter().rev() {
            if let Some((_, v)) = scope.iter().find(|(n, _)| *n == k) {
                return v.clone();
            }
        }
        if let Some((_, n)) = self.counters.iter().find(|(n, _)| *n == k) {
            return V::Num(*n);
        }
        let in_env = match &self.env {
            V::Obj(o) => o.contains_key(&k),
            V::Undef | V::Null => false,
            other => !matches!(own_prop(other, &k), V::Undef),
        };
        if in_env {
            return read_property(&self.env, key);
        }
        static EMPTY: std::sync::OnceLock<Object> = std::sync::OnceLock::new();
        read_property(&V::Obj(EMPTY.get_or_init(Object::new)), key)
    }

    /// `Context#_getFromScope(item, path)` for filters (`where`, `sum`).
    pub(super) fn get_path(&mut self, item: &V<'a>, path: &str) -> V<'a> {
        let mut cur = item.clone();
        for seg in path.split('.') {
            cur = read_property(&cur, &V::str(seg));
        }
        cur
    }
}

fn set<'a>(scope: &mut Vec<(String, V<'a>)>, key: &str, v: V<'a>) {
    match scope.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = v,
        None => scope.push((key.to_string(), v)),
    }
}

fn node_pos(n: &Node) -> usize {
    match n {
        Node::Output(_, p)
        | Node::Assign(_, _, p)
        | Node::Capture(_, _, p)
        | Node::If(_, _, p)
        | Node::Unless(_, _, p)
        | Node::Echo(_, p) => *p,
        Node::Cycle { at, .. } => *at,
        _ => 0,
    }
}

/// JS truthiness (`html && emitter.write(html)`).
fn js_truthy(v: &V<'_>) -> bool {
    match v {
        V::Undef | V::Null => false,
        V::Bool(b) => *b,
        V::Num(n) => *n != 0.0 && !n.is_nan(),
        V::Str(s) => !s.is_empty(),
        _ => true,
    }
}

fn is_index(k: &str) -> Option<usize> {
    usermaven_json::js::array_index(k).map(|i| i as usize)
}

/// An own property (`hasOwnProperty` + `obj[key]`).
pub(super) fn own_prop<'a>(obj: &V<'a>, k: &str) -> V<'a> {
    match obj {
        V::Str(s) => {
            if k == "length" {
                return V::Num(len16(s) as f64);
            }
            match is_index(k) {
                Some(i) if i < len16(s) => {
                    usermaven_json::js::char_at(s, i).map_or(V::Undef, V::str)
                }
                _ => V::Undef,
            }
        }
        V::Arr(_) | V::RArr(_) => {
            if k == "length" {
                return V::Num(obj.arr_len().unwrap_or(0) as f64);
            }
            match is_index(k) {
                Some(i) => obj.arr_get(i).unwrap_or(V::Undef),
                None => V::Undef,
            }
        }
        V::Obj(o) => o.get(k).map_or(V::Undef, V::from_value),
        _ => V::Undef,
    }
}

fn read_array_element<'a>(arr: &V<'a>, idx: f64) -> V<'a> {
    let len = arr.arr_len().unwrap_or(0) as f64;
    let i = if idx < 0.0 { len + idx } else { idx };
    if i >= 0.0 && i.fract() == 0.0 && i < len {
        arr.arr_get(i as usize).unwrap_or(V::Undef)
    } else {
        V::Undef
    }
}

/// `Context#readProperty`.
pub(super) fn read_property<'a>(obj: &V<'a>, key: &V<'a>) -> V<'a> {
    match obj {
        V::Undef => return V::Undef,
        V::Null => return V::Null,
        V::Drop(_) => return V::Undef,
        _ => {}
    }
    if obj.is_array() {
        if let V::Num(n) = key {
            return read_array_element(obj, *n);
        }
    }
    let k = key.prop_key();
    let value = own_prop(obj, &k);
    if let V::Str(s) = key {
        match &**s {
            "size" => return read_size(obj),
            "first" if obj.is_array() => return read_array_element(obj, 0.0),
            "last" if obj.is_array() => return read_array_element(obj, -1.0),
            _ => {}
        }
    }
    value
}

fn read_size<'a>(obj: &V<'a>) -> V<'a> {
    let own = own_prop(obj, "size");
    if !matches!(own, V::Undef) {
        return own;
    }
    match obj {
        V::Str(s) => V::Num(len16(s) as f64),
        V::Arr(_) | V::RArr(_) => V::Num(obj.arr_len().unwrap_or(0) as f64),
        V::Obj(o) => V::Num(o.len() as f64),
        _ => V::Undef,
    }
}

fn comparable(v: &V<'_>) -> Option<DropKind> {
    match v {
        V::Drop(k @ (DropKind::Nil | DropKind::Empty | DropKind::Blank)) => Some(*k),
        _ => None,
    }
}

fn drop_equals(kind: DropKind, v: &V<'_>) -> bool {
    match kind {
        DropKind::Nil => v.to_value().is_nil(),
        DropKind::Empty => {
            if matches!(v, V::Drop(DropKind::Empty | DropKind::Blank)) {
                return false;
            }
            match v.to_value() {
                V::Str(s) => s.is_empty(),
                a @ (V::Arr(_) | V::RArr(_)) => a.arr_len() == Some(0),
                V::Obj(o) => o.is_empty(),
                _ => false,
            }
        }
        DropKind::Blank => {
            if matches!(v, V::Bool(false)) || v.to_value().is_nil() {
                return true;
            }
            if let V::Str(s) = v {
                return s.chars().all(js_space);
            }
            drop_equals(DropKind::Empty, v)
        }
        DropKind::Block => false,
    }
}

pub(super) fn equals(l: &V<'_>, r: &V<'_>) -> bool {
    if let Some(k) = comparable(l) {
        return drop_equals(k, r);
    }
    if let Some(k) = comparable(r) {
        return drop_equals(k, l);
    }
    let (l, r) = (l.to_value(), r.to_value());
    if l.is_array() {
        let (Some(a), Some(b)) = (l.items(), r.items()) else {
            return false;
        };
        return a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| equals(x, y));
    }
    match (&l, &r) {
        (V::Undef, V::Undef) | (V::Null, V::Null) => true,
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Num(a), V::Num(b)) => a == b,
        (V::Str(a), V::Str(b)) => a == b,
        (V::Obj(a), V::Obj(b)) => std::ptr::eq(*a, *b),
        _ => false,
    }
}

fn binary(op: Op, l: &V<'_>, r: &V<'_>) -> bool {
    match op {
        Op::Eq => equals(l, r),
        Op::Ne => !equals(l, r),
        Op::Gt | Op::Lt | Op::Ge | Op::Le => {
            if comparable(l).is_some() || comparable(r).is_some() {
                return false;
            }
            let (l, r) = (l.to_value(), r.to_value());
            match op {
                Op::Lt => js_less(&l, &r) == Some(true),
                Op::Gt => js_less(&r, &l) == Some(true),
                Op::Ge => js_less(&l, &r) == Some(false),
                _ => js_less(&r, &l) == Some(false),
            }
        }
        Op::Contains => {
            let lv = l.to_value();
            if let Some(items) = lv.items() {
                return items.iter().any(|x| equals(x, r));
            }
            match lv {
                V::Str(s) => s.contains(r.to_value().js_string().as_str()),
                _ => false,
            }
        }
        Op::And => !l.to_value().is_falsy() && !r.to_value().is_falsy(),
        Op::Or => !l.to_value().is_falsy() || !r.to_value().is_falsy(),
        Op::Not => l.to_value().is_falsy(),
    }
}
