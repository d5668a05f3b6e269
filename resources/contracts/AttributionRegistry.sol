// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title AttributionRegistry
/// @notice Each operator anchors, once per epoch, the Merkle root of the attribution receipts its
/// server signed in that epoch. The receipts themselves stay local; any one of them can later be
/// shown to be part of the anchored batch with a Merkle proof. Consent revocations are anchored
/// here too, as the hash of the (signed) revocation: the records and the reason stay local.
contract AttributionRegistry {
    struct Anchor {
        bytes32 receiptsRoot;
        uint64 receiptCount;
        uint64 anchoredAt;
    }

    mapping(uint64 epoch => mapping(address operator => Anchor)) private _anchors;

    mapping(bytes32 revocationHash => mapping(address operator => uint64 anchoredAt)) public revocationAnchoredAt;

    event ReceiptsAnchored(uint64 indexed epoch, address indexed operator, bytes32 indexed receiptsRoot, uint64 receiptCount);
    event RevocationAnchored(address indexed operator, bytes32 indexed revocationHash);

    error AlreadyAnchored(uint64 epoch, address operator);
    error EmptyBatch();
    error RevocationAlreadyAnchored(bytes32 revocationHash, address operator);

    function anchorReceipts(uint64 epoch, bytes32 receiptsRoot, uint64 receiptCount) external {
        if (receiptCount == 0 || receiptsRoot == bytes32(0)) revert EmptyBatch();
        if (_anchors[epoch][msg.sender].anchoredAt != 0) revert AlreadyAnchored(epoch, msg.sender);
        _anchors[epoch][msg.sender] = Anchor({receiptsRoot: receiptsRoot, receiptCount: receiptCount, anchoredAt: uint64(block.timestamp)});
        emit ReceiptsAnchored(epoch, msg.sender, receiptsRoot, receiptCount);
    }

    function anchorRevocation(bytes32 revocationHash) external {
        if (revocationHash == bytes32(0)) revert EmptyBatch();
        if (revocationAnchoredAt[revocationHash][msg.sender] != 0) revert RevocationAlreadyAnchored(revocationHash, msg.sender);
        revocationAnchoredAt[revocationHash][msg.sender] = uint64(block.timestamp);
        emit RevocationAnchored(msg.sender, revocationHash);
    }

    function anchorOf(uint64 epoch, address operator) external view returns (bytes32 receiptsRoot, uint64 receiptCount, uint64 anchoredAt) {
        Anchor memory a = _anchors[epoch][operator];
        return (a.receiptsRoot, a.receiptCount, a.anchoredAt);
    }
}
