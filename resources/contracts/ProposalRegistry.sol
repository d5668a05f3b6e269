// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ProposalRegistry
/// @notice Model proposals: submitting one locks a fixed stake of the reward token; the configured
/// reviewers vote once each; a strict majority decides. Approval returns the stake to the proposer;
/// rejection sends it to the treasury, so spam costs the spammer.
contract ProposalRegistry {
    using SafeERC20 for IERC20;

    enum Status {
        None,
        Pending,
        Approved,
        Rejected
    }

    struct Proposal {
        address proposer;
        bytes32 contentHash;
        uint256 stake;
        Status status;
        uint32 approvals;
        uint32 rejections;
    }

    IERC20 public immutable stakeToken;
    uint256 public immutable minStake;
    address public immutable treasury;
    uint32 public immutable quorum;
    uint256 public proposalCount;
    mapping(address => bool) public isReviewer;
    mapping(uint256 => Proposal) private proposals;
    mapping(uint256 => mapping(address => bool)) public hasVoted;

    event ProposalSubmitted(uint256 indexed id, address indexed proposer, bytes32 contentHash, uint256 stake);
    event ProposalVoted(uint256 indexed id, address indexed reviewer, bool approve);
    event ProposalDecided(uint256 indexed id, bool approved, uint256 stake);

    error NoReviewers();
    error NotReviewer(address caller);
    error UnknownProposal(uint256 id);
    error NotPending(uint256 id, Status status);
    error AlreadyVoted(uint256 id, address reviewer);

    constructor(IERC20 stakeToken_, uint256 minStake_, address treasury_, address[] memory reviewers) {
        if (reviewers.length == 0) revert NoReviewers();
        stakeToken = stakeToken_;
        minStake = minStake_;
        treasury = treasury_;
        uint32 distinct = 0;
        for (uint256 i = 0; i < reviewers.length; i++) {
            if (!isReviewer[reviewers[i]]) {
                isReviewer[reviewers[i]] = true;
                distinct++;
            }
        }
        quorum = distinct / 2 + 1;
    }

    /// @notice Locks minStake from the caller (approve it first) and opens the proposal for review.
    function submit(bytes32 contentHash) external returns (uint256 id) {
        id = ++proposalCount;
        proposals[id] = Proposal(msg.sender, contentHash, minStake, Status.Pending, 0, 0);
        stakeToken.safeTransferFrom(msg.sender, address(this), minStake);
        emit ProposalSubmitted(id, msg.sender, contentHash, minStake);
    }

    function vote(uint256 id, bool approve) external {
        if (!isReviewer[msg.sender]) revert NotReviewer(msg.sender);
        Proposal storage p = proposals[id];
        if (p.status == Status.None) revert UnknownProposal(id);
        if (p.status != Status.Pending) revert NotPending(id, p.status);
        if (hasVoted[id][msg.sender]) revert AlreadyVoted(id, msg.sender);
        hasVoted[id][msg.sender] = true;
        emit ProposalVoted(id, msg.sender, approve);
        if (approve) {
            if (++p.approvals >= quorum) {
                p.status = Status.Approved;
                emit ProposalDecided(id, true, p.stake);
                stakeToken.safeTransfer(p.proposer, p.stake);
            }
        } else if (++p.rejections >= quorum) {
            p.status = Status.Rejected;
            emit ProposalDecided(id, false, p.stake);
            stakeToken.safeTransfer(treasury, p.stake);
        }
    }

    function proposal(uint256 id) external view returns (Proposal memory) {
        if (proposals[id].status == Status.None) revert UnknownProposal(id);
        return proposals[id];
    }
}
