//! `retailer.carriers`: the carriers' public profiles (the carrier directory) and the carriers'
//! answers to the retailer's contract offers (issue 18), applied by [`crate::app::carriers`].
//! An answer about a contract this service never offered is dead-lettered. The room the
//! carriers' crews have per delivery window and day (issue 13) is kept by
//! [`crate::app::slots`], the newest per carrier and day by sequence.

use kummerer_contracts::{
    CarrierContractAcceptedV1, CarrierContractDeclinedV1, CarrierProfilePublishedV1, Event,
    SlotsAnnouncedV1,
};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;

use crate::app::carriers::{self, AnswerError};

pub struct CarriersConsumer;

impl Handler for CarriersConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        let res = match msg.envelope.ty.as_str() {
            CarrierProfilePublishedV1::TYPE => {
                let env = msg.decode::<CarrierProfilePublishedV1>()?;
                return Ok(carriers::profile_published(txn, &env.data).await?);
            }
            SlotsAnnouncedV1::TYPE => {
                let env = msg.decode::<SlotsAnnouncedV1>()?;
                return Ok(crate::app::slots::slots_announced(txn, &env.data).await?);
            }
            CarrierContractAcceptedV1::TYPE => {
                let env = msg.decode::<CarrierContractAcceptedV1>()?;
                carriers::accepted(txn, &env.data).await
            }
            CarrierContractDeclinedV1::TYPE => {
                let env = msg.decode::<CarrierContractDeclinedV1>()?;
                carriers::declined(txn, &env.data).await
            }
            other => return Err(HandleError::Permanent(format!("unexpected type {other}"))),
        };
        match res {
            Ok(()) => Ok(()),
            Err(e @ AnswerError::Unknown(_)) => Err(HandleError::Permanent(e.to_string())),
            Err(AnswerError::Db(e)) => Err(e.into()),
        }
    }
}
