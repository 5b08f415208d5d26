//! `logistics.contracts`: a retailer's contract offers and their end (issue 18), applied by
//! [`crate::app::contracts`]. Idempotent: the inbox drops a redelivered message, and the
//! contract's id drops the same offer published again.

use kummerer_contracts::{CarrierContractEndedV1, CarrierContractOfferedV1, Event};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;

use crate::app::contracts::{self, OfferError};

pub struct ContractsConsumer;

impl Handler for ContractsConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        let res = match msg.envelope.ty.as_str() {
            CarrierContractOfferedV1::TYPE => {
                let env = msg.decode::<CarrierContractOfferedV1>()?;
                contracts::offered(txn, &env.data).await
            }
            CarrierContractEndedV1::TYPE => {
                let env = msg.decode::<CarrierContractEndedV1>()?;
                contracts::ended(txn, &env.data).await
            }
            other => return Err(HandleError::Permanent(format!("unexpected type {other}"))),
        };
        match res {
            Ok(()) => Ok(()),
            Err(e @ OfferError::Malformed(..)) => Err(HandleError::Permanent(e.to_string())),
            Err(e @ OfferError::Unknown(_)) => Err(HandleError::Transient(e.into())),
            Err(OfferError::Db(e)) => Err(e.into()),
        }
    }
}
