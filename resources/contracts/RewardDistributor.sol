// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";

/// @title RewardDistributor
/// @notice Per-epoch reward trees. The owner closes an epoch by publishing the Merkle root of its
/// (index, account, amount) leaves (OpenZeppelin StandardMerkleTree layout) and funding it with the
/// epoch's total in the reward token. Each leaf is claimable once, tracked in a bitmap by index.
/// A claim can be sent by anyone (the tokens go to the account), or signed by the account with
/// EIP-712 on another, even offline, machine and submitted by anyone, the tokens then going to the
/// recipient the account signed for. The EIP-712 domain holds the chain id and this contract's
/// address, so a signature cannot be replayed on another chain or another distributor.
contract RewardDistributor is Ownable, EIP712 {
    using SafeERC20 for IERC20;
    using BitMaps for BitMaps.BitMap;

    struct Epoch {
        bytes32 root;
        uint256 total;
        uint256 claimed;
        uint64 publishedAt;
    }

    bytes32 public constant CLAIM_TYPEHASH =
        keccak256("Claim(uint64 epoch,uint256 index,address account,uint256 amount,address recipient,uint256 deadline)");

    IERC20 public immutable token;
    mapping(uint64 epoch => Epoch) private _epochs;
    mapping(uint64 epoch => BitMaps.BitMap) private _claimed;

    event EpochPublished(uint64 indexed epoch, bytes32 root, uint256 total);
    event Claimed(uint64 indexed epoch, uint256 index, address indexed account, address indexed recipient, uint256 amount);

    error EpochAlreadyPublished(uint64 epoch);
    error EpochNotPublished(uint64 epoch);
    error EmptyEpoch();
    error AlreadyClaimed(uint64 epoch, uint256 index);
    error InvalidProof();
    error EpochOverdrawn(uint64 epoch);
    error SignatureExpired(uint256 deadline);
    error InvalidSignature();
    error ZeroAddress();

    constructor(IERC20 token_, address initialOwner) Ownable(initialOwner) EIP712("DatanetRewards", "1") {
        token = token_;
    }

    /// @notice Closes an epoch: records its root and pulls `total` tokens from the owner, who must
    /// have approved this contract for them.
    function publishEpoch(uint64 epoch, bytes32 root, uint256 total) external onlyOwner {
        if (root == bytes32(0) || total == 0) revert EmptyEpoch();
        if (_epochs[epoch].publishedAt != 0) revert EpochAlreadyPublished(epoch);
        _epochs[epoch] = Epoch({root: root, total: total, claimed: 0, publishedAt: uint64(block.timestamp)});
        token.safeTransferFrom(msg.sender, address(this), total);
        emit EpochPublished(epoch, root, total);
    }

    function claim(uint64 epoch, uint256 index, address account, uint256 amount, bytes32[] calldata proof) external {
        _claim(epoch, index, account, amount, proof, account);
    }

    function claimWithSignature(
        uint64 epoch,
        uint256 index,
        address account,
        uint256 amount,
        bytes32[] calldata proof,
        address recipient,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        if (recipient == address(0)) revert ZeroAddress();
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(CLAIM_TYPEHASH, epoch, index, account, amount, recipient, deadline)));
        if (!SignatureChecker.isValidSignatureNow(account, digest, signature)) revert InvalidSignature();
        _claim(epoch, index, account, amount, proof, recipient);
    }

    function isClaimed(uint64 epoch, uint256 index) public view returns (bool) {
        return _claimed[epoch].get(index);
    }

    function epochInfo(uint64 epoch) external view returns (bytes32 root, uint256 total, uint256 claimed, uint64 publishedAt) {
        Epoch memory e = _epochs[epoch];
        return (e.root, e.total, e.claimed, e.publishedAt);
    }

    function claimDigest(uint64 epoch, uint256 index, address account, uint256 amount, address recipient, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(CLAIM_TYPEHASH, epoch, index, account, amount, recipient, deadline)));
    }

    function _claim(uint64 epoch, uint256 index, address account, uint256 amount, bytes32[] calldata proof, address recipient) private {
        Epoch storage e = _epochs[epoch];
        if (e.publishedAt == 0) revert EpochNotPublished(epoch);
        if (_claimed[epoch].get(index)) revert AlreadyClaimed(epoch, index);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
        if (!MerkleProof.verifyCalldata(proof, e.root, leaf)) revert InvalidProof();
        // A root whose amounts add up to more than it was funded with must not drain other epochs.
        if (e.claimed + amount > e.total) revert EpochOverdrawn(epoch);
        e.claimed += amount;
        _claimed[epoch].set(index);
        token.safeTransfer(recipient, amount);
        emit Claimed(epoch, index, account, recipient, amount);
    }
}
