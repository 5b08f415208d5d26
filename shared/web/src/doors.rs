//! The route table of a service, written down where the routes are registered: every route is
//! registered through [`DoorsExt::door`] (or [`Doors::resource_door`]), which records its method,
//! full path and [`Access`] — who may pass — and registers it with actix-web. A service exposes
//! the table (its `http::doors()`), and its tests walk it: every door is called without a
//! credential, with another tenant's credential and with another tenant's ids. No hand-kept
//! list can fall behind the routes, because the list *is* the registration.
//!
//! ```ignore
//! let (scope, d) = doors.scope("/api/retailers");
//! cfg.service(
//!     scope
//!         .door(&d, Method::POST, "", Access::Operator, retailers::create)
//!         .door(&d, Method::GET, "/{rid}", Access::Tenant, retailers::get),
//! );
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::{Error, FromRequest, Handler, Resource, Responder, Scope, web};

/// Who may pass a door.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone: health, readiness, metrics, API docs, sign-in pages and their assets, the
    /// customer's status link.
    Open,
    /// The operator of the installation (the operator token).
    Operator,
    /// A credential of the tenant the path names (an API key or token of that tenant).
    Tenant,
    /// The tenant's admin (e.g. HTTP Basic credentials of an admin account).
    TenantAdmin,
    /// A signed-in page user (session cookie of a staff member, crew member or dispatcher);
    /// without one the page redirects to its sign-in.
    SignedIn,
}

impl Access {
    /// Whether the door opens without any credential.
    pub fn is_open(self) -> bool {
        self == Access::Open
    }
}

/// One route: method, full path pattern (as actix writes it, e.g. `/api/jobs/{id}`) and who may
/// pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Door {
    pub method: Method,
    pub path: String,
    pub access: Access,
}

impl Door {
    /// The names of the path's parameters, in order (`/a/{rid}/b/{id}` → `["rid", "id"]`).
    pub fn params(&self) -> Vec<&str> {
        self.path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(|s| s.split(':').next().unwrap_or(s))
            .collect()
    }

    /// The path with each `{name}` replaced by `value(name)`.
    pub fn fill(&self, mut value: impl FnMut(&str) -> String) -> String {
        let mut out = String::with_capacity(self.path.len() + 32);
        let mut rest = self.path.as_str();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let inner = &rest[start + 1..start + end];
            let name = inner.split(':').next().unwrap_or(inner);
            out.push_str(&value(name));
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// The recorder of a service's doors, under a path prefix. Cheap to clone; clones share one
/// table. A fresh recorder is made for every app the service builds.
#[derive(Clone, Default)]
pub struct Doors {
    prefix: String,
    table: Rc<RefCell<Vec<Door>>>,
}

impl Doors {
    pub fn new() -> Doors {
        Doors::default()
    }

    /// A recorder for the routes under `prefix` (sharing this table).
    pub fn under(&self, prefix: &str) -> Doors {
        Doors {
            prefix: format!("{}{}", self.prefix, prefix),
            table: Rc::clone(&self.table),
        }
    }

    /// An actix scope at `prefix` and the recorder for its routes.
    pub fn scope(&self, prefix: &str) -> (Scope, Doors) {
        (web::scope(prefix), self.under(prefix))
    }

    /// Records a door at `path` (relative to this recorder's prefix).
    pub fn record(&self, method: Method, path: &str, access: Access) {
        let door = Door {
            method,
            path: format!("{}{}", self.prefix, path),
            access,
        };
        let mut table = self.table.borrow_mut();
        if !table.contains(&door) {
            table.push(door);
        }
    }

    /// Records a door on a resource at `path` (relative to this recorder's prefix) and adds the
    /// route to it.
    pub fn resource_door<T, B, F, Args>(
        &self,
        resource: Resource<T>,
        path: &str,
        method: Method,
        access: Access,
        handler: F,
    ) -> Resource<T>
    where
        T: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            >,
        B: MessageBody,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.record(method.clone(), path, access);
        resource.route(web::method(method).to(handler))
    }

    /// The doors recorded so far.
    pub fn table(&self) -> Vec<Door> {
        self.table.borrow().clone()
    }
}

/// Registering a route and recording its door in one call.
pub trait DoorsExt: Sized {
    /// Registers `handler` for `method` at `path` and records the door with `access`.
    fn door<F, Args>(
        self,
        doors: &Doors,
        method: Method,
        path: &str,
        access: Access,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
}

impl<T> DoorsExt for Scope<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = Error, InitError = ()>,
{
    fn door<F, Args>(
        self,
        doors: &Doors,
        method: Method,
        path: &str,
        access: Access,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        doors.record(method.clone(), path, access);
        self.route(path, web::method(method).to(handler))
    }
}

/// Top-level routes on the service config (no scope).
pub fn door<F, Args>(
    cfg: &mut web::ServiceConfig,
    doors: &Doors,
    method: Method,
    path: &str,
    access: Access,
    handler: F,
) where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    doors.record(method.clone(), path, access);
    cfg.route(path, web::method(method).to(handler));
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn records_full_paths_once() {
        let doors = Doors::new();
        let (scope, d) = doors.scope("/api/x");
        let _scope = scope
            .door(&d, Method::GET, "/{rid}", Access::Tenant, ok)
            .door(&d, Method::POST, "", Access::Operator, ok);
        d.record(Method::GET, "/{rid}", Access::Tenant);
        let table = doors.table();
        assert_eq!(table.len(), 2);
        assert_eq!(table[0].path, "/api/x/{rid}");
        assert_eq!(table[1].path, "/api/x");
        assert_eq!(table[1].access, Access::Operator);
    }

    #[test]
    fn params_and_fill() {
        let door = Door {
            method: Method::GET,
            path: "/a/{rid}/b/{id:[0-9]+}/c".into(),
            access: Access::Tenant,
        };
        assert_eq!(door.params(), vec!["rid", "id"]);
        assert_eq!(door.fill(|n| n.to_uppercase()), "/a/RID/b/ID/c".to_string());
    }
}
