//! Webhooks: admins register HTTPS endpoints for events of the desk
//! (`events`); each event is queued per endpoint in the transaction of the
//! change that caused it, signed (`signature`) and delivered by a worker
//! with retries (`worker`), never to private or loopback addresses unless
//! the configuration allows them (`address`). `endpoints` is what admins
//! do with them. May import `store` and the value modules.

pub mod address;
pub mod endpoints;
pub mod events;
pub mod signature;
pub mod worker;
